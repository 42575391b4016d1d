import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { PoolConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import {
  deletePool,
  getPool,
  poolExists,
  poolNotFound,
  savePool,
  updatePoolIfUnchanged,
} from '../admin/config-store.ts';
import { readJsonObjectBody } from '../admin/json-object-body.ts';
import { mergePatch, patchUntilWritten, secretInAuth } from '../admin/merge-patch.ts';
import { registerAdminModelRoutes } from '../admin/model-routes.ts';
import { poolLiveState, pushPoolConfig } from '../admin/pool-live.ts';
import { controlPoolObject, forgetPoolObject } from '../admin/pool-object.ts';
import { PoolWrite, refuseBotSecret } from '../admin/pool-write.ts';
import { entityTag, parseIfMatch, requireMatch } from '../admin/preconditions.ts';
import {
  adminErrors,
  BAD_IF_MATCH,
  BODY_ERRORS,
  IfMatchHeader,
  jsonDoc,
  PRECONDITION_FAILED,
  storedAsIs,
} from '../admin/route-docs.ts';
import { findStoredPool, listStoredPools, type StoredPool } from '../admin/stored-pool.ts';
import { refuseUnknownFields } from '../admin/unknown-fields.ts';
import type { AppEnv } from '../app-env.ts';
import { auditInsert } from '../auth/audit.ts';
import { configStamp } from '../data/config-stamp.ts';
import { validationError } from '../http/validation.ts';
import { requireScope } from '../middleware/auth.ts';

const ADMIN_BODY_BYTES = 256 * 1024;
const NOT_FOUND = 'Unknown pool';
/** Live state comes from the pool object; its shape is documented in docs/pools.md. */
const PoolView = z
  .object({
    name: z.string(),
    config: z.union([PoolConfig, storedAsIs('config')]),
    state: z.record(z.string(), z.unknown()).nullable(),
    /** Present when the stored config would not be accepted as written now; fix it with PATCH or POST, or delete it. */
    problems: z.array(z.string()).optional(),
  })
  .openapi('PoolView');
/** A reset of an origin that left the pool's config: the isolation kept for it was cleared. */
const RemovedOriginReset = PoolView.extend({
  origin: z.object({ id: z.string(), removed: z.literal(true), cleared: z.literal(true) }),
  message: z.string(),
}).openapi('PoolRemovedOriginReset');
const NameParam = z.object({ name: z.string() });
const OriginParam = z.object({ name: z.string(), id: z.string(), action: z.enum(['isolate', 'reset']) });

export function readAdminBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  return readJsonObjectBody(c.req.raw, ADMIN_BODY_BYTES);
}

function parsePool(raw: Record<string, unknown>): PoolConfig {
  if (secretInAuth(raw))
    throw new EcoError(
      400,
      'secret_in_config',
      'Origin auth takes `header`, `secret` (the NAME of a Worker secret) and `prefix`; never the secret value.',
      { param: 'auth' },
    );
  refuseUnknownFields(PoolConfig, raw);
  const parsed = PoolWrite.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

const actor = (c: Context<AppEnv>) => c.get('principal').keyId;

/** The pools admin API (config plus live state from each pool's Durable Object) and the models API. */
export function registerAdminPoolRoutes(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  const base = { security: [{ bearer: [] }], tags: ['admin: pools'] };
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/pools',
    summary: 'List engine pools with live state',
    responses: {
      200: jsonDoc(z.object({ object: z.literal('list'), data: z.array(PoolView) }), 'Pools'),
      ...adminErrors(),
    },
  });
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/pools/{name}',
    summary: 'One pool: config, breakers, in-flight, queue, latency/TTFT percentiles, probes',
    request: { params: NameParam },
    responses: {
      200: jsonDoc(PoolView, 'The pool, its entity tag in `ETag`'),
      ...adminErrors({ 404: NOT_FOUND }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/pools',
    summary: 'Create or replace a pool (with If-Match: replace only that version)',
    request: { headers: IfMatchHeader, body: { content: { 'application/json': { schema: PoolConfig } } } },
    responses: {
      200: jsonDoc(PoolView, 'Replaced'),
      201: jsonDoc(PoolView, 'Created'),
      ...adminErrors({ ...BODY_ERRORS, 412: `${PRECONDITION_FAILED}, or there is no such pool to replace` }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'patch',
    path: '/admin/pools/{name}',
    summary: 'Change some fields of a pool (nested objects merge, arrays replace)',
    request: {
      params: NameParam,
      headers: IfMatchHeader,
      body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
    responses: {
      200: jsonDoc(PoolView, 'Updated'),
      ...adminErrors({
        ...BODY_ERRORS,
        404: NOT_FOUND,
        409: 'Other writes of the pool kept committing first (write_conflict)',
        412: PRECONDITION_FAILED,
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'delete',
    path: '/admin/pools/{name}',
    summary: 'Delete a pool no model routes to',
    request: { params: NameParam, headers: IfMatchHeader },
    responses: {
      200: jsonDoc(z.object({ name: z.string(), deleted: z.literal(true) }), 'Deleted'),
      ...adminErrors({
        400: BAD_IF_MATCH,
        404: NOT_FOUND,
        409: 'A model routes to the pool (pool_in_use)',
        412: PRECONDITION_FAILED,
        503: "The pool was deleted, but its pool object did not clear its state (pool_unavailable: send the DELETE again), or a JWT's identity provider keys could not be fetched",
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/pools/{name}/origins/{id}/{action}',
    summary:
      'Isolate an origin (held open until reset) or reset its breaker; reset also clears the isolation kept for an origin removed from the pool',
    request: { params: OriginParam },
    responses: {
      200: jsonDoc(
        z.union([PoolView, RemovedOriginReset]),
        'The pool after the change; for the reset of an origin no longer in the pool, also `origin` and `message`',
      ),
      ...adminErrors({
        404: 'Unknown pool, or the pool has no such origin (for a reset: and keeps no state for it)',
        409: 'The stored config does not validate (pool_invalid)',
        503: "The pool did not apply the change (pool_unavailable), or a JWT's identity provider keys could not be fetched",
      }),
    },
  });

  const admin = requireScope('admin');
  const view = async (c: Context<AppEnv>, stored: Pick<StoredPool, 'name' | 'config' | 'problems'>) => ({
    name: stored.name,
    config: stored.config,
    state: (await poolLiveState(c.env, stored)) ?? null,
    ...(stored.problems ? { problems: stored.problems } : {}),
  });
  const viewOf = (c: Context<AppEnv>, config: PoolConfig) => view(c, { name: config.name, config });

  app.get('/admin/pools', admin, async (c) => {
    const stored = await listStoredPools(c.env.DB);
    return c.json({ object: 'list', data: await Promise.all(stored.map((p) => view(c, p))) });
  });
  app.get('/admin/pools/:name', admin, async (c) => {
    const name = c.req.param('name');
    const stored = await findStoredPool(c.env.DB, name);
    if (!stored) throw poolNotFound(name);
    c.header('etag', entityTag(poolTag(stored.version)));
    return c.json(await view(c, stored));
  });

  app.post('/admin/pools', admin, async (c) => {
    const condition = parseIfMatch(c.req.header('if-match'));
    const config = parsePool(await readAdminBody(c));
    await refuseBotSecret(c.env.DB, config);
    const audit = { actorKeyId: actor(c), target: config.name, detail: { config } };
    let existed: boolean;
    if (condition) {
      // A conditional replace: never a create. Checked on every try, so a write that lands between
      // the read and this one fails a named version (412) and is built on under `*`.
      await patchUntilWritten('pool', config.name, async () => {
        const current = await findStoredPool(c.env.DB, config.name);
        requireMatch(condition, current && poolTag(current.version), `pool '${config.name}'`);
        const replace = { ...audit, action: 'pool.replace' };
        return (await updatePoolIfUnchanged(c.env.DB, config, current!.version, replace)) || undefined;
      });
      existed = true;
    } else {
      existed = await poolExists(c.env.DB, config.name);
      await savePool(c.env.DB, config, { ...audit, action: existed ? 'pool.replace' : 'pool.create' });
    }
    await pushPoolConfig(c.env, config);
    c.header('etag', entityTag(poolTag(configStamp(config).version)));
    return c.json(await viewOf(c, config), existed ? 200 : 201);
  });

  app.patch('/admin/pools/:name', admin, async (c) => {
    const name = c.req.param('name');
    const condition = parseIfMatch(c.req.header('if-match'));
    const patch = await readAdminBody(c);
    // A stored row that no longer validates is patched too: the merged config is checked as a write.
    const config = await patchUntilWritten('pool', name, async () => {
      const current = await findStoredPool(c.env.DB, name);
      if (!current) throw poolNotFound(name);
      // Checked on every try: a write that lands between the read and this write changes the tag.
      requireMatch(condition, poolTag(current.version), `pool '${name}'`);
      if ('name' in patch && patch.name !== current.name)
        throw new EcoError(400, 'invalid_request', 'A pool cannot be renamed; create a new one.', {
          param: 'name',
        });
      const base = { ...(current.config as unknown as Record<string, unknown>), name: current.name };
      const next = parsePool(mergePatch(base, patch));
      await refuseBotSecret(c.env.DB, next);
      const written = await updatePoolIfUnchanged(c.env.DB, next, current.version, {
        actorKeyId: actor(c),
        action: 'pool.update',
        target: name,
        detail: { patch },
      });
      return written ? next : undefined;
    });
    await pushPoolConfig(c.env, config);
    c.header('etag', entityTag(poolTag(configStamp(config).version)));
    return c.json(await viewOf(c, config));
  });

  app.delete('/admin/pools/:name', admin, async (c) => {
    const name = c.req.param('name');
    const condition = parseIfMatch(c.req.header('if-match'));
    // Before anything is read: a pool created again since then has a newer version than this.
    const readAt = Date.now();
    let deletedVersion: number;
    try {
      let version: number | undefined;
      if (condition) {
        const current = await findStoredPool(c.env.DB, name);
        if (!current) throw poolNotFound(name);
        requireMatch(condition, poolTag(current.version), `pool '${name}'`);
        // `*` asks only that it exists, which the delete itself checks.
        if (!condition.any) version = current.version;
      }
      deletedVersion = await deletePool(
        c.env.DB,
        name,
        { actorKeyId: actor(c), action: 'pool.delete', target: name },
        version,
      );
    } catch (err) {
      // Deleted before, by a DELETE whose pool object did not clear its state: this one clears it.
      if (err instanceof EcoError && err.code === 'pool_not_found')
        await forgetPoolObject(c.env, name, readAt).catch(() => {});
      throw err;
    }
    await forgetPoolObject(c.env, name, deletedVersion);
    return c.json({ name, deleted: true as const });
  });

  app.post('/admin/pools/:name/origins/:id/:action{isolate|reset}', admin, async (c) => {
    const { name, id } = c.req.param();
    const action = c.req.param('action') as 'isolate' | 'reset';
    const config = await getPool(c.env.DB, name);
    const inConfig = config.origins.some((o) => o.id === id);
    const noSuchOrigin = () =>
      new EcoError(
        404,
        'origin_not_found',
        action === 'reset'
          ? `Pool '${name}' has no origin '${id}', nor any state kept for one.`
          : `Pool '${name}' has no origin '${id}'.`,
      );
    // Only a reset reaches an origin that left the config: it clears the isolation kept for it.
    if (!inConfig && action !== 'reset') throw noSuchOrigin();
    await pushPoolConfig(c.env, config);
    const result = await controlPoolObject(c.env, name, id, action);
    if (!result.ok && !inConfig) throw noSuchOrigin();
    if (!result.ok) throw new EcoError(503, 'pool_unavailable', `Pool '${name}' did not apply the change.`);
    await savePoolAudit(c, name, id, action);
    if (inConfig) return c.json(await viewOf(c, config));
    return c.json({
      ...(await viewOf(c, config)),
      origin: { id, removed: true, cleared: true },
      message: `Origin '${id}' is no longer in pool '${name}'; the state kept for it was cleared.`,
    });
  });

  registerAdminModelRoutes(app);
}

async function savePoolAudit(
  c: Context<AppEnv>,
  pool: string,
  origin: string,
  action: string,
): Promise<void> {
  await auditInsert(c.env.DB, {
    actorKeyId: actor(c),
    action: `pool.origin.${action}`,
    target: `${pool}/${origin}`,
  });
}

/** A pool's entity tag: its row's version, which every write moves forward. */
function poolTag(version: number): string {
  return String(version);
}
