import { eq, sql } from 'drizzle-orm';
import type { ModelConfig, PoolConfig } from '../../schemas/config.ts';
import { models } from '../../schemas/db/models.ts';
import { pools } from '../../schemas/db/pools.ts';
import { EcoError } from '../../schemas/errors.ts';
import { type AuditEntry, auditInsert } from '../auth/audit.ts';
import { stampConfig } from '../data/config-stamp.ts';
import { db } from '../data/db.ts';
import { parsePoolRow } from '../data/pool-row.ts';
import { invalidateRegistry } from '../data/registry.ts';
import {
  aliasesOf,
  comparedColumns,
  modelFields,
  modelInput,
  parseStoredModel,
  readModelRows,
  rowUnchangedSql,
  type StoredModelRow,
} from '../data/stored-model.ts';
import { auditIfChanged } from './audit-if-changed.ts';
import { writeConflict } from './merge-patch.ts';
import { preconditionFailed } from './preconditions.ts';
import { problemsOf } from './problems.ts';
import { findStoredPool } from './stored-pool.ts';

/**
 * Pools and models in D1, read fresh (admin reads must see their own writes, not the isolate cache).
 * Every write commits together with its audit row in one D1 batch, then drops this isolate's
 * registry cache (other isolates follow within the registry TTL).
 */

export async function listPools(database: D1Database): Promise<PoolConfig[]> {
  const rows = await db(database).select().from(pools).orderBy(pools.name);
  return rows.flatMap((row) => {
    const read = parsePoolRow(row);
    return read.ok ? [read.config] : [];
  });
}

/** A pool the request path can use: 404 when there is no row, 409 when its row does not validate. */
export async function getPool(database: D1Database, name: string): Promise<PoolConfig> {
  const stored = await findStoredPool(database, name);
  if (!stored) throw poolNotFound(name);
  if (stored.problems)
    throw new EcoError(
      409,
      'pool_invalid',
      `The stored config of pool '${name}' is not valid (${stored.problems.join('; ')}); fix it with PATCH or POST, or delete it.`,
    );
  return stored.config;
}

export function poolNotFound(name: string): EcoError {
  return new EcoError(404, 'pool_not_found', `No engine pool named '${name}'.`);
}

export async function poolExists(database: D1Database, name: string): Promise<boolean> {
  const rows = await db(database)
    .select({ name: pools.name })
    .from(pools)
    .where(eq(pools.name, name))
    .limit(1);
  return rows.length > 0;
}

/**
 * `updated_at` is also the config's version (see config-stamp.ts): D1 applies writes one at a time and
 * each moves it past the previous value, so the last write committed has the highest version even
 * when two admins write in the same millisecond or from isolates whose clocks disagree. The saved
 * config is stamped with it, ready to be pushed to the pool object.
 */
export async function savePool(database: D1Database, config: PoolConfig, audit: AuditEntry): Promise<void> {
  const handle = db(database);
  const now = Date.now();
  const json = JSON.stringify(config);
  const [written] = await handle.batch([
    handle
      .insert(pools)
      .values({ name: config.name, protocol: config.protocol, config: json, updatedAt: now })
      .onConflictDoUpdate({
        target: pools.name,
        set: {
          protocol: config.protocol,
          config: json,
          updatedAt: sql`max(excluded.updated_at, ${pools.updatedAt} + 1)`,
        },
      })
      .returning({ version: pools.updatedAt }),
    auditInsert(database, audit, now),
  ]);
  stampConfig(config, written[0]?.version ?? now);
  invalidateRegistry();
}

/**
 * Write `config` over the stored pool only if the row is still at `expectedVersion`, the version the
 * change was computed from. False when another write committed first: then nothing was written (not
 * even the audit row), and the caller computes the change again from the newer config.
 */
export async function updatePoolIfUnchanged(
  database: D1Database,
  config: PoolConfig,
  expectedVersion: number,
  audit: AuditEntry,
): Promise<boolean> {
  const now = Date.now();
  const version = Math.max(now, expectedVersion + 1);
  const [update] = await database.batch([
    database
      .prepare('UPDATE pools SET protocol = ?, config = ?, updated_at = ? WHERE name = ? AND updated_at = ?')
      .bind(config.protocol, JSON.stringify(config), version, config.name, expectedVersion),
    auditIfChanged(database, audit, now),
  ]);
  if (!update?.meta.changes) return false;
  stampConfig(config, version);
  invalidateRegistry();
  return true;
}

/**
 * A row that no longer validates can be deleted too, so none is out of reach. With `expectedVersion`
 * (a delete sent with If-Match), only that version of the pool is deleted.
 */
export async function deletePool(
  database: D1Database,
  name: string,
  audit: AuditEntry,
  expectedVersion?: number,
): Promise<number> {
  if (!(await poolExists(database, name))) throw poolNotFound(name);
  const users = (await listModels(database)).filter((m) => m.routes.some((r) => r.pool === name));
  if (users.length > 0) {
    throw new EcoError(
      409,
      'pool_in_use',
      `Pool '${name}' is in the route chain of ${users.map((m) => `'${m.id}'`).join(', ')}; change those models first.`,
    );
  }
  // The delete checks the model rows again itself, every stored row included (one that no longer
  // validates is not in the list above): a model routed to the pool since, or one the list could not
  // read, keeps it.
  const [removed] = await database.batch([
    database.prepare(DELETE_UNROUTED_POOL).bind(name, expectedVersion ?? null),
    auditIfChanged(database, audit),
  ]);
  const deleted = removed?.results[0] as { version: number } | undefined;
  if (!deleted) {
    const now = await findStoredPool(database, name);
    if (!now) throw poolNotFound(name);
    if (expectedVersion !== undefined && now.version !== expectedVersion)
      throw preconditionFailed(`pool '${name}'`);
    throw new EcoError(
      409,
      'pool_in_use',
      `Pool '${name}' is in the route chain of a model (written since, or stored invalid: see /admin/models); change it first.`,
    );
  }
  invalidateRegistry();
  return deleted.version;
}

/** Deletes pool ?1 (at version ?2, unless null) unless some stored model row routes to it; returns its version. */
const DELETE_UNROUTED_POOL = `DELETE FROM pools WHERE name = ?1 AND (?2 IS NULL OR updated_at = ?2) AND NOT EXISTS (
  SELECT 1 FROM models, json_each(CASE WHEN json_valid(models.routes) THEN models.routes ELSE '[]' END) AS route
  WHERE CASE WHEN route.type = 'object' THEN json_extract(route.value, '$.pool') END = ?1
) RETURNING updated_at AS version`;

function toModel(row: StoredModelRow): ModelConfig | undefined {
  const parsed = parseStoredModel(row);
  return parsed.success ? parsed.data : undefined;
}

/** The valid models (what the registry serves and writes are checked against). */
export async function listModels(database: D1Database): Promise<ModelConfig[]> {
  return (await readModelRows(database)).flatMap((row) => toModel(row) ?? []);
}

/** The model a name (its id or an alias) names, among `models`. */
export function modelNamed(models: readonly ModelConfig[], name: string): ModelConfig | undefined {
  return models.find((m) => m.id === name || m.aliases.includes(name));
}

export async function getModel(database: D1Database, id: string): Promise<ModelConfig> {
  const row = (await readModelRows(database, id))[0];
  const model = row ? toModel(row) : undefined;
  if (!model) throw new EcoError(404, 'model_not_found', `No model with id '${id}'.`);
  return model;
}

/**
 * Ids and aliases share one namespace; every pool in the chain must exist. A stored row that no longer
 * validates keeps its names too (fixed, it would serve them again), as the write's own guard has it.
 */
export async function checkModel(database: D1Database, model: ModelConfig): Promise<void> {
  const others = (await readModelRows(database)).filter((row) => row.id !== model.id);
  const taken = new Map<string, string>();
  for (const row of others)
    for (const name of [row.id, ...aliasesOf(modelFields(row))]) taken.set(name, row.id);
  for (const name of [model.id, ...model.aliases]) {
    const owner = taken.get(name);
    if (owner)
      throw new EcoError(
        409,
        'model_name_taken',
        `'${name}' is already the id or an alias of model '${owner}'.`,
        {
          param: name === model.id ? 'id' : 'aliases',
        },
      );
  }
  const known = new Set((await listPools(database)).map((p) => p.name));
  model.routes.forEach((route, i) => {
    if (!known.has(route.pool))
      throw new EcoError(400, 'pool_not_found', `No engine pool named '${route.pool}'.`, {
        param: `routes.${i}.pool`,
      });
  });
}

export function modelExists(id: string): EcoError {
  return new EcoError(409, 'model_exists', `Model '${id}' exists; PATCH it instead.`, { param: 'id' });
}

/**
 * What every model write checks again in SQL, at the moment it commits: every pool of its chain (?4, the
 * routes as JSON) has a row, and no other row (?1 is the model's id) has its id or one of its aliases (?2)
 * as an id or alias. checkModel made the same checks before; this catches a pool deleted or a name
 * taken since, which would otherwise leave a model routed to nothing or two models answering one name.
 */
const MODEL_WRITE_GUARD = `NOT EXISTS (
    SELECT 1 FROM json_each(?4) AS route
    WHERE NOT EXISTS (SELECT 1 FROM pools WHERE pools.name = json_extract(route.value, '$.pool'))
  ) AND NOT EXISTS (
    SELECT 1 FROM models AS other WHERE other.id <> ?1 AND (
      other.id = ?1 OR other.id IN (SELECT value FROM json_each(?2)) OR EXISTS (
        SELECT 1 FROM json_each(${jsonArrayOr('other.aliases')}) AS alias
        WHERE alias.value = ?1 OR alias.value IN (SELECT value FROM json_each(?2))
      )
    )
  )`;

/** SQL: the models row `row` (a table alias) has `name` (an SQL expression) as its id or an alias. */
function rowNamedSql(row: string, name: string): string {
  return `(${row}.id = ${name} OR EXISTS (
    SELECT 1 FROM json_each(${jsonArrayOr(`${row}.aliases`)}) AS alias WHERE alias.value = ${name}))`;
}

/** SQL: some model row has the id or alias in parameter `param`. */
export function modelNamedSql(param: string): string {
  return `EXISTS (SELECT 1 FROM models WHERE ${rowNamedSql('models', param)})`;
}

/**
 * SQL: a key with these scopes and allowed models (SQL expressions of their JSON) may answer as a bot
 * whose default model is `model` (an id or alias), as mayUseModel decides: it has `inference`, and its
 * allowed models are unrestricted or name that model by its id or one of its aliases.
 */
export function keyServesModelSql(scopes: string, allowed: string, model: string): string {
  return `(EXISTS (SELECT 1 FROM json_each(${jsonArrayOr(scopes)}) AS scope WHERE scope.value = 'inference')
    AND (${allowed} IS NULL OR (json_valid(${allowed}) AND json_type(${allowed}) = 'null') OR EXISTS (
      SELECT 1 FROM models AS served, json_each(${jsonArrayOr(allowed)}) AS allowed
      WHERE ${rowNamedSql('served', model)} AND ${rowNamedSql('served', 'allowed.value')})))`;
}

/** The model's columns, in the order of ?1 to ?8 of the write statements. */
function modelColumns(model: ModelConfig, now: number): unknown[] {
  return [
    model.id,
    JSON.stringify(model.aliases),
    model.ownedBy,
    JSON.stringify(model.routes),
    JSON.stringify(model.capabilities),
    model.contextLength,
    model.source ?? null,
    model.createdAt || Math.floor(now / 1000),
  ];
}

/**
 * Create a model. The database refuses an id that exists (a concurrent create, or a row the API cannot
 * read), and that refusal is a 409, so no create ever overwrites a stored row. A pool deleted or a name
 * taken since checkModel leaves nothing written (audit row included) and answers as checkModel would.
 */
export async function createModel(
  database: D1Database,
  model: ModelConfig,
  audit: AuditEntry,
): Promise<void> {
  const now = Date.now();
  let inserted: D1Result | undefined;
  try {
    [inserted] = await database.batch([
      database
        .prepare(
          `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, source, created_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE ${MODEL_WRITE_GUARD}`,
        )
        .bind(...modelColumns(model, now)),
      auditIfChanged(database, audit, now),
    ]);
  } catch (err) {
    if (/UNIQUE constraint failed/.test(String((err as Error)?.message ?? err))) throw modelExists(model.id);
    throw err;
  }
  if (!inserted?.meta.changes) await refuseChangedModelWrite(database, model);
  invalidateRegistry();
}

/** A guarded write changed nothing: say why, as checkModel does (or, should that pass now, a conflict). */
async function refuseChangedModelWrite(database: D1Database, model: ModelConfig): Promise<never> {
  await checkModel(database, model);
  throw writeConflict('model', model.id);
}

/**
 * A model as stored, and the row it was read from (the expected state of a conditional update). A row
 * that no longer validates comes as its stored fields, so a PATCH can correct it (the merged result is
 * validated like any write).
 */
export async function getModelAndRow(
  database: D1Database,
  id: string,
): Promise<{ model: ModelConfig; stored: StoredModelRow }> {
  const stored = (await readModelRows(database, id))[0];
  if (!stored) throw new EcoError(404, 'model_not_found', `No model with id '${id}'.`);
  return { model: storedModelView(stored).model, stored };
}

/** A models row as the admin API shows it: the model, plus `problems` when the row no longer validates. */
export interface StoredModel {
  model: ModelConfig;
  problems?: string[];
  /** The row it was read from (its entity tag; the expected state of a conditional write). */
  row: StoredModelRow;
}

function storedModelView(raw: StoredModelRow): StoredModel {
  const parsed = parseStoredModel(raw);
  if (parsed.success) return { model: parsed.data, row: raw };
  // Shown as stored (a JSON column that does not parse is left out), with why it would not be accepted.
  return {
    model: modelInput(raw) as unknown as ModelConfig,
    problems: problemsOf(parsed.error, '(model)'),
    row: raw,
  };
}

/**
 * Every models row, valid or not, so that none is out of the admin API's reach: a row that no longer
 * validates (written by SQL, or by an older release) is listed with its `problems` and can be fixed
 * with PATCH or deleted. The registry and the write checks use only valid rows (`listModels`).
 */
export async function listStoredModels(database: D1Database): Promise<StoredModel[]> {
  return (await readModelRows(database)).map(storedModelView);
}

export async function findStoredModel(database: D1Database, id: string): Promise<StoredModel | undefined> {
  const row = (await readModelRows(database, id))[0];
  return row ? storedModelView(row) : undefined;
}

/**
 * Write `model` only if its row still holds exactly what `before` (read by getModelAndRow) held, its
 * write guard holds (see MODEL_WRITE_GUARD), and no bot names an alias it drops. False when any of that
 * changed since the caller checked: then nothing was written, audit row included, and the caller reads
 * and checks again.
 */
export async function updateModelIfUnchanged(
  database: D1Database,
  model: ModelConfig,
  before: StoredModelRow,
  audit: AuditEntry,
): Promise<boolean> {
  const [update] = await database.batch([
    database
      .prepare(
        `UPDATE models SET aliases = ?2, owned_by = ?3, routes = ?4, capabilities = ?5, context_length = ?6, source = ?7, created_at = ?8
         WHERE id = ?1 AND ${rowUnchangedSql(9)} AND ${MODEL_WRITE_GUARD}
           AND NOT EXISTS (
             SELECT 1 FROM bots WHERE bots.default_model IN (SELECT value FROM json_each(${jsonArrayOr('?9')}))
               AND bots.default_model NOT IN (SELECT value FROM json_each(?2))
           )`,
      )
      .bind(...modelColumns(model, Date.now()), ...comparedColumns(before)),
    auditIfChanged(database, audit),
  ]);
  if (!update?.meta.changes) return false;
  invalidateRegistry();
  return true;
}

/**
 * A row that no longer validates (written by SQL, say) can be deleted too, so none is out of reach. The
 * delete checks the bots again itself: one written since with the model's id or an alias as its default
 * keeps the model (false then; the caller says which bots). With `before` (a delete sent with If-Match),
 * only a row that still holds what `before` held is deleted.
 */
export async function deleteModel(
  database: D1Database,
  id: string,
  audit: AuditEntry,
  before?: StoredModelRow,
): Promise<boolean> {
  const row = await db(database).select({ id: models.id }).from(models).where(eq(models.id, id)).limit(1);
  if (row.length === 0) throw new EcoError(404, 'model_not_found', `No model with id '${id}'.`);
  const [removed] = await database.batch([
    database
      .prepare(
        `DELETE FROM models WHERE id = ?1 ${before ? `AND ${rowUnchangedSql(2)}` : ''}
           AND NOT EXISTS (SELECT 1 FROM bots WHERE ${rowNamedSql('models', 'bots.default_model')})`,
      )
      .bind(id, ...(before ? comparedColumns(before) : [])),
    auditIfChanged(database, audit),
  ]);
  if (!removed?.meta.changes) return false;
  invalidateRegistry();
  return true;
}

/** SQL for the JSON array in `column`, or an empty one when it holds anything else. */
export function jsonArrayOr(column: string): string {
  return `CASE WHEN json_valid(${column}) AND json_type(${column}) = 'array' THEN ${column} ELSE '[]' END`;
}
