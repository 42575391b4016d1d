import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { EngineConfig } from '../../../durable-objects/job-queue/job-engine.ts';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { JobStore, type NewJob } from '../../../durable-objects/job-queue/job-store.ts';
import type { Sql } from '../../../durable-objects/job-queue/sql.ts';

/** A settable clock for the pure modules. */
export function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

let objects = 0;

/** A fresh JobQueue object (unique name: storage is shared across tests) and its stub. */
export function freshQueue(label = 'q') {
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  return ns.get(ns.idFromName(`test:${label}:${++objects}:${crypto.randomUUID()}`));
}

/** Run `fn` with the real SQLite of a fresh object (the pure store under test, not the object's engine). */
export async function withSql<T>(fn: (sql: Sql) => T | Promise<T>): Promise<T> {
  return runInDurableObject(freshQueue('sql'), (_instance, state) => fn(state.storage.sql as unknown as Sql));
}

export function newJob(id: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    id,
    tenant: 't1',
    keyId: 'k1',
    type: 'chat',
    priority: 'normal',
    model: 'm',
    request: { model: 'm', messages: [{ role: 'user', content: id }] },
    baseUrl: 'https://gw.test',
    timeoutMs: 60_000,
    maxAttempts: 3,
    ...overrides,
  };
}

export function storeWith(sql: Sql, clock = manualClock()) {
  return { store: new JobStore(sql, clock.now), clock };
}

/** An engine config with fast retries and one callback try, for engine tests. */
export function engineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    concurrency: 1,
    retry: { baseMs: 1, maxMs: 1 },
    callbackConcurrency: 1,
    callbackMaxAttempts: 1,
    callbackBackoff: { baseMs: 1, maxMs: 1 },
    callbackTimeoutMs: 1_000,
    retentionMs: 3_600_000,
    attemptTimeoutMs: 30_000,
    budgetMs: 60_000,
    startsPerDrain: 1000,
    ...overrides,
  };
}
