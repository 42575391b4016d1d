import { ModelConfig } from '../../schemas/config.ts';
import type { ModelRow } from '../../schemas/db/models.ts';
import { safeJson } from './safe-json.ts';

/** A models row as D1 returns it (JSON columns as their stored text, compared as such). */
export interface StoredModelRow {
  id: string;
  aliases: string;
  owned_by: string;
  routes: string;
  capabilities: string;
  context_length: number;
  source: string | null;
  created_at: number;
}

/**
 * Models rows as stored, read with plain SQL: a JSON column that does not parse (a row written by
 * hand) must not make the whole read throw, as a JSON-typed column read would, taking every model
 * down with it. `id` reads one row.
 */
export async function readModelRows(database: D1Database, id?: string): Promise<StoredModelRow[]> {
  const statement =
    id === undefined
      ? database.prepare('SELECT * FROM models ORDER BY id')
      : database.prepare('SELECT * FROM models WHERE id = ?').bind(id);
  return (await statement.all<StoredModelRow>()).results;
}

/**
 * A JSON column's value; text that is not JSON stays the text, so that checking the row refuses it
 * (read as absent, a column with a default would silently take the default instead).
 */
function jsonColumn(text: string): unknown {
  return safeJson(text) ?? text;
}

/** The row's fields, JSON columns parsed. */
export function modelFields(raw: StoredModelRow): ModelRow {
  return {
    id: raw.id,
    aliases: jsonColumn(raw.aliases) as string[],
    ownedBy: raw.owned_by,
    routes: jsonColumn(raw.routes) as ModelRow['routes'],
    capabilities: jsonColumn(raw.capabilities) as string[],
    contextLength: raw.context_length,
    source: raw.source,
    createdAt: raw.created_at,
  };
}

/** The row as the fields a model config is checked against (an absent source is undefined, not null). */
export function modelInput(raw: StoredModelRow): Record<string, unknown> {
  const row = modelFields(raw);
  return { ...row, source: row.source ?? undefined };
}

export function parseStoredModel(raw: StoredModelRow) {
  return ModelConfig.safeParse(modelInput(raw));
}

/**
 * A stored model's aliases: the strings of its list. A row that no longer validates may hold anything
 * there (then none), as the write guards' SQL reads it too.
 */
export function aliasesOf(model: { aliases?: unknown }): string[] {
  const { aliases } = model;
  return Array.isArray(aliases) ? aliases.filter((a): a is string => typeof a === 'string') : [];
}

/** The columns a conditional write compares, in the order `rowUnchangedSql` binds them. */
export function comparedColumns(row: StoredModelRow): unknown[] {
  return [
    row.aliases,
    row.owned_by,
    row.routes,
    row.capabilities,
    row.context_length,
    row.source,
    row.created_at,
  ];
}

/** SQL: the models row still holds what was read, its compared columns bound from parameter `?first` on. */
export function rowUnchangedSql(first: number): string {
  const columns = ['aliases', 'owned_by', 'routes', 'capabilities', 'context_length', 'source', 'created_at'];
  return columns.map((column, i) => `${column} IS ?${first + i}`).join(' AND ');
}

/**
 * A models row's entity tag for the admin API: a digest of what it stores, so any write that changes
 * the row changes the tag (the table keeps no version of its own).
 */
export async function modelRowTag(row: StoredModelRow): Promise<string> {
  const text = JSON.stringify([row.id, ...comparedColumns(row)]);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
