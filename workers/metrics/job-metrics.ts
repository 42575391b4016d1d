import { jobShards } from '../../schemas/db/job-shards.ts';
import { JobStatus } from '../../schemas/jobs.ts';
import { db } from '../data/db.ts';
import { withinTime } from '../data/within-time.ts';
import type { Env } from '../env.ts';
import { shardStub } from '../jobs/shards.ts';
import { MetricsWriter } from './prometheus-text.ts';

/** A shard that has not answered by then is counted down, not waited for. */
const SHARD_TIMEOUT_MS = 3000;
/** Shards read per scrape, at most (the rest are reported as skipped, and read by the next scrapes). */
const MAX_SHARDS = 500;
/** Where the next scrape starts reading when there are more shards than one scrape reads. */
let nextOffset = 0;

/** A retry sitting out its backoff is `queued` to clients; metrics say the same. */
const SHOWN_STATUS: Record<string, string> = { waiting: 'queued' };

/** Job counts by tenant and status, read from every job shard object that has held jobs. */
export async function jobMetricsText(env: Env): Promise<string> {
  const listed = await db(env.DB).select().from(jobShards).orderBy(jobShards.name);
  const start = listed.length > MAX_SHARDS ? nextOffset % listed.length : 0;
  const shards = [...listed.slice(start), ...listed.slice(0, start)].slice(0, MAX_SHARDS);
  nextOffset = start + shards.length;
  const counts = await Promise.all(
    shards.map((s) => withinTime(shardStub(env, s.tenant, s.shard).counts(), SHARD_TIMEOUT_MS)),
  );
  const jobs = new Map<string, number>();
  const callbacks = new Map<string, number>();
  const limitWaiting = new Map<string, number>();
  const capacityWaiting = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
  let up = 0;
  counts.forEach((c, i) => {
    if (!c) return;
    up++;
    const tenant = shards[i]!.tenant;
    // Every status is written, 0 included, so dashboards see 0 rather than a missing series.
    for (const status of JobStatus.options) add(jobs, `${tenant}\n${status}`, 0);
    for (const [status, n] of Object.entries(c.jobs))
      add(jobs, `${tenant}\n${SHOWN_STATUS[status] ?? status}`, n);
    for (const [status, n] of Object.entries(c.callbacks)) add(callbacks, `${tenant}\n${status}`, n);
    // An object still running an older version (during a deploy) answers without it.
    add(limitWaiting, tenant, c.limitWaiting ?? 0);
    add(capacityWaiting, tenant, c.capacityWaiting ?? 0);
  });
  const w = new MetricsWriter();
  w.declare(
    'eco_job_shards',
    'gauge',
    'Job shard objects that have held jobs, and how many answered this scrape.',
  );
  w.sample('eco_job_shards', { state: 'known' }, listed.length);
  w.sample('eco_job_shards', { state: 'up' }, up);
  w.sample('eco_job_shards', { state: 'skipped' }, listed.length - shards.length);
  w.declare('eco_jobs', 'gauge', 'Jobs held (retained), by tenant and status.');
  for (const [key, n] of jobs) {
    const [tenant, status] = key.split('\n') as [string, string];
    w.sample('eco_jobs', { tenant, status }, n);
  }
  w.declare(
    'eco_jobs_limit_waiting',
    'gauge',
    "Queued jobs waiting for their key's own rate limit, concurrency or budget (not counted as attempts), by tenant.",
  );
  for (const [tenant, n] of limitWaiting) w.sample('eco_jobs_limit_waiting', { tenant }, n);
  w.declare(
    'eco_jobs_capacity_waiting',
    'gauge',
    'Queued jobs the engine pools refused before any origin saw them, waiting for capacity (not counted as attempts), by tenant.',
  );
  for (const [tenant, n] of capacityWaiting) w.sample('eco_jobs_capacity_waiting', { tenant }, n);
  w.declare('eco_job_callbacks', 'gauge', 'Job completion callbacks, by tenant and delivery status.');
  for (const [key, n] of callbacks) {
    const [tenant, status] = key.split('\n') as [string, string];
    w.sample('eco_job_callbacks', { tenant, status }, n);
  }
  return w.text();
}
