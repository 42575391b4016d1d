import type { ExecOutcome } from './job-engine.ts';
import { waitKind } from './limit-wait.ts';
import type { Sql } from './sql.ts';
import { type WaiterIndex, waiterIndexSql, waitersSql, wakeWaiters } from './waiter-wake.ts';

/**
 * Early wake-ups for jobs the engine pools refused (capacity waits). Such a job waits the gateway's
 * Retry-After plus jitter, but a run ending in the same shard gives back a slot of the pools its model
 * routes through: that is when capacity is known to have come back. Each run that ended wakes at most
 * one waiter, of a model sharing one of those pools, in the shard's claim order, so a burst of waiters
 * never calls again all at once; the Retry-After stays the fallback for capacity freed elsewhere.
 */

/**
 * Statuses the gateway answers before a request reaches the pools (credential, scope, unknown model):
 * such a run held no slot. A 400 or 413 may be an origin's own answer (a prompt over its context), so
 * those count as having reached it: waking a waiter needlessly costs one refused call, not waking one
 * costs it its whole Retry-After.
 */
const REFUSED_BEFORE_POOLS: ReadonlySet<number> = new Set([401, 403, 404]);

/**
 * Whether a run's end may have given a pool slot back: a run that succeeded, failed after reaching the
 * pools or an origin, or was aborted under way (`aborted`: cancelled or timed out, which releases its
 * slot at once). Not one that was itself a wait (the key's own limit or the pools refused it), that was
 * never sent (`unsent`: no credential, no answer to the call), or that the gateway refused before the
 * pools (401, 403, 404). The same rule decides whether a run's end frees its key's concurrency slot for
 * a waiter (key-slot-wake.ts): a run the pools refused held one only for an instant, and waking a key
 * waiter on it would send that waiter to the same full pools.
 */
export function freesCapacity(outcome: ExecOutcome, aborted = false): boolean {
  if (outcome.kind === 'succeeded') return true;
  if (aborted) return true;
  if (outcome.unsent === true) return false;
  if (waitKind(outcome.error, outcome.refusedByPool === true) !== null) return false;
  return outcome.error.status === null || !REFUSED_BEFORE_POOLS.has(outcome.error.status);
}

/** What the registry says of a model, as far as sharing pools goes. */
export interface RoutedModel {
  id: string;
  aliases: readonly string[];
  routes: readonly { pool: string }[];
}

/**
 * Every name (id or alias) of the models that route through a pool `model` routes through, `model`
 * included: a slot given back in one of those pools may admit any of them. A name the registry does
 * not know (the model left it) stands for itself alone.
 */
export function capacityPeers(
  model: string,
  byName: ReadonlyMap<string, RoutedModel>,
  models: Iterable<RoutedModel>,
): string[] {
  const names = new Set([model]);
  const own = byName.get(model);
  if (!own) return [...names];
  const pools = new Set(own.routes.map((r) => r.pool));
  for (const other of models) {
    if (!other.routes.some((r) => pools.has(r.pool))) continue;
    names.add(other.id);
    for (const alias of other.aliases) names.add(alias);
  }
  return [...names];
}

/** How long a run's end waits for the registry before waking by its own model's name alone. */
export const PEERS_LOOKUP_MS = 1000;

/**
 * `lookup(model)`, or the model's own name when the lookup fails or takes longer than `ms`: a run's
 * end waits for it before its slot in the shard is free, so a slow registry read must not hold that.
 */
export async function peersWithin(
  lookup: (model: string) => Promise<readonly string[]>,
  model: string,
  ms = PEERS_LOOKUP_MS,
): Promise<readonly string[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const own = new Promise<readonly string[]>((resolve) => {
    timer = setTimeout(() => resolve([model]), ms);
  });
  try {
    return await Promise.race([lookup(model).catch(() => [model]), own]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Capacity waiters by model: the partial index `jobs_capacity_wait`. */
const CAPACITY_WAITERS: WaiterIndex = {
  waiting: `status = 'waiting' AND wait_kind = 'capacity' AND limit_waits > 0`,
  column: 'model',
};

/** Created after the `wait_kind` column exists (see migrate). */
export const CAPACITY_WAIT_INDEX = waiterIndexSql('jobs_capacity_wait', CAPACITY_WAITERS);

/** Whether any job of the shard waits for capacity (the first entry of the partial index). */
export function hasCapacityWaiters(sql: Sql): boolean {
  return sql.exec(`SELECT 1 AS x FROM jobs WHERE ${CAPACITY_WAITERS.waiting} LIMIT 1`).toArray().length > 0;
}

/** One model's capacity waiters in claim order: a seek of the partial index (model, priority_rank, seq). */
export const MODEL_WAITERS_SQL = waitersSql(CAPACITY_WAITERS);

/**
 * Make up to `count` capacity-waiting jobs of `models` claimable now (`now`: the store's clock), best
 * class first and FIFO within it, as the shard claims (see wakeWaiters). Answers the ids woken.
 */
export function wakeCapacityWaiters(
  sql: Sql,
  now: number,
  models: readonly string[],
  count: number,
): string[] {
  return wakeWaiters(sql, now, CAPACITY_WAITERS, models, count);
}
