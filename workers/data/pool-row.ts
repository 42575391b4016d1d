import { PoolConfig } from '../../schemas/config.ts';
import { problemsOf } from '../admin/problems.ts';
import { stampConfig } from './config-stamp.ts';
import { safeJson } from './safe-json.ts';

/** A pools row as D1 returns it. */
export interface PoolRow {
  name: string;
  config: string;
  updatedAt: number;
}

export type PoolRowRead =
  | { ok: true; config: PoolConfig }
  /** `raw`: the stored JSON object as it is ({} when it is not one). */
  | { ok: false; raw: Record<string, unknown>; problems: string[] };

/**
 * The one reading of a pools row, for every reader (registry, admin views, model checks): valid only
 * when its config validates and names the row it is stored under; valid configs come stamped with the
 * row's version. A row that does not pass is the same invalid row to all of them, never a pool of the
 * name written inside it.
 */
export function parsePoolRow(row: PoolRow): PoolRowRead {
  const raw = safeJson(row.config);
  const parsed = PoolConfig.safeParse(raw);
  if (parsed.success && parsed.data.name === row.name)
    return { ok: true, config: stampConfig(parsed.data, row.updatedAt) };
  const problems =
    raw === undefined
      ? ['(pool): the stored config is not JSON']
      : parsed.success
        ? [`name: '${parsed.data.name}' differs from the row's name '${row.name}'`]
        : problemsOf(parsed.error, '(pool)');
  const object = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {};
  return { ok: false, raw: object as Record<string, unknown>, problems };
}
