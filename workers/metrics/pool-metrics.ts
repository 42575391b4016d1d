import { PRIORITY_CLASSES } from '../../durable-objects/engine-pool/priority-queue.ts';
import {
  HISTOGRAM_BOUNDS_MS,
  type Histogram,
  type PoolLiveState,
} from '../../durable-objects/engine-pool/types.ts';
import { poolLiveState } from '../admin/pool-live.ts';
import { registry } from '../data/registry.ts';
import type { Env } from '../env.ts';
import { MetricsWriter } from './prometheus-text.ts';

const BREAKER_STATES = ['closed', 'open', 'half_open', 'isolated'] as const;

/** Pool and origin metrics, read from each pool's Durable Object (so they cover every isolate). */
export async function poolMetricsText(env: Env): Promise<string> {
  const { pools } = await registry(env.DB);
  const states = await Promise.all([...pools.values()].map((p) => poolLiveState(env, p)));
  const w = new MetricsWriter();
  declare(w);
  states.forEach((state, i) => {
    const pool = [...pools.values()][i]!.name;
    w.sample('eco_pool_up', { pool }, state ? 1 : 0);
    if (state) writePool(w, pool, state);
  });
  return w.text();
}

function declare(w: MetricsWriter): void {
  w.declare('eco_pool_up', 'gauge', 'Whether the pool object answered this scrape.');
  w.declare('eco_pool_degraded', 'gauge', '1 when no origin of the pool can take traffic.');
  w.declare('eco_pool_queue_depth', 'gauge', 'Requests waiting for a slot, by priority class.');
  w.declare('eco_pool_admissions_total', 'counter', 'Admission decisions of the pool object, by result.');
  w.declare('eco_pool_origin_requests_total', 'counter', 'Finished attempts per origin, by outcome.');
  w.declare(
    'eco_pool_origin_breaker_state',
    'gauge',
    'Circuit breaker state per origin (1 for the current state).',
  );
  w.declare('eco_pool_origin_in_flight', 'gauge', 'Leases held on the origin.');
  w.declare('eco_pool_origin_capacity', 'gauge', 'Configured concurrent capacity of the origin.');
  w.declare(
    'eco_pool_origin_available',
    'gauge',
    '1 when the origin can take traffic (breaker, back-off, health).',
  );
  w.declare('eco_pool_origin_request_duration_seconds', 'histogram', 'Attempt latency per origin.');
  w.declare('eco_pool_origin_ttft_seconds', 'histogram', 'Time to first token per origin (streams).');
}

function writePool(w: MetricsWriter, pool: string, s: PoolLiveState): void {
  w.sample('eco_pool_degraded', { pool }, s.status === 'degraded' ? 1 : 0);
  for (const priority of PRIORITY_CLASSES)
    w.sample('eco_pool_queue_depth', { pool, priority }, s.queue.byClass[priority]);
  for (const [result, n] of Object.entries(s.admissions))
    w.sample('eco_pool_admissions_total', { pool, result }, n);
  for (const o of s.origins) {
    const origin = o.id;
    for (const [outcome, n] of Object.entries(o.outcomes))
      w.sample('eco_pool_origin_requests_total', { pool, origin, outcome }, n);
    for (const state of BREAKER_STATES)
      w.sample('eco_pool_origin_breaker_state', { pool, origin, state }, o.breaker.state === state ? 1 : 0);
    w.sample('eco_pool_origin_in_flight', { pool, origin }, o.inFlight);
    w.sample('eco_pool_origin_capacity', { pool, origin }, o.capacity);
    w.sample('eco_pool_origin_available', { pool, origin }, o.available ? 1 : 0);
    histogram(w, 'eco_pool_origin_request_duration_seconds', { pool, origin }, o.latencyHistogram);
    histogram(w, 'eco_pool_origin_ttft_seconds', { pool, origin }, o.ttftHistogram);
  }
}

function histogram(w: MetricsWriter, name: string, base: Record<string, string>, h: Histogram): void {
  h.buckets.forEach((count, i) => {
    const bound = HISTOGRAM_BOUNDS_MS[i];
    w.sample(`${name}_bucket`, { ...base, le: bound === undefined ? '+Inf' : String(bound / 1000) }, count);
  });
  w.sample(`${name}_sum`, base, h.sum / 1000);
  w.sample(`${name}_count`, base, h.count);
}
