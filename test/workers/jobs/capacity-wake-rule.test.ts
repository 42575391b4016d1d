import { describe, expect, it } from 'vitest';
import { freesCapacity } from '../../../durable-objects/job-queue/capacity-wake.ts';
import type { ExecOutcome } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore, jobError } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { manualClock, newJob, withSql } from './helpers.ts';
import { scripted, scriptedEngine, settle, status, waiting } from './scripted-runs.ts';

/**
 * A finished run wakes a capacity (or key-slot) waiter only if it may have given a slot back: it
 * reached the pools or an origin, or was aborted under way. Runs that never got that far do not.
 */
const failed = (status: number | null, code: string, extra: Partial<ExecOutcome> = {}): ExecOutcome =>
  ({
    kind: 'failed',
    retryable: status === null || status >= 500 || status === 429,
    error: jobError(status, code, code),
    ...extra,
  }) as ExecOutcome;

const poolRefusal = failed(429, 'pool_saturated', { retryAfterMs: 60_000, refusedByPool: true });
const keySlotRefusal = failed(429, 'concurrency_limit_exceeded', { retryAfterMs: 60_000 });

describe('freesCapacity: which ended runs gave a slot back', () => {
  it('not a run the gateway refused before the pools, nor one whose call got no answer', () => {
    expect(freesCapacity(failed(401, 'invalid_api_key'))).toBe(false);
    expect(freesCapacity(failed(403, 'insufficient_scope'))).toBe(false);
    expect(freesCapacity(failed(404, 'model_not_found'))).toBe(false);
    expect(freesCapacity(failed(null, 'network_error', { unsent: true }))).toBe(false);
  });

  it('a run aborted under way (cancelled, timed out) whatever it answered, and an origin’s 400', () => {
    expect(freesCapacity(failed(null, 'job_aborted'), true)).toBe(true);
    expect(freesCapacity(failed(null, 'network_error', { unsent: true }), true)).toBe(true);
    expect(freesCapacity(failed(400, 'context_length_exceeded'))).toBe(true);
    expect(freesCapacity(failed(502, 'origin_error'))).toBe(true);
  });
});

describe('a run refused before the pools ends in a shard with waiters', () => {
  it.each([
    ['404 model_not_found', failed(404, 'model_not_found')],
    ['a call with no answer', failed(null, 'network_error', { unsent: true })],
  ])('%s wakes no capacity waiter of its model', (_label, outcome) =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('rule-runner', { timeoutMs: 3_600_000, maxAttempts: 1 }));
      store.enqueue(newJob('rule-waiter', { timeoutMs: 3_600_000 }));
      const gw = scripted(clock, { 'rule-runner': ['held'], 'rule-waiter': [poolRefusal] });
      const drained = scriptedEngine(store, clock, gw.execute, { concurrency: 4 }).drain();
      await settle(() => waiting(store, 'rule-waiter') && gw.held().includes('rule-runner'));
      const due = jobView(store.get('rule-waiter')!).next_attempt_at;
      gw.finish('rule-runner', outcome);
      await drained;
      expect(status(store, 'rule-runner')).toBe('failed');
      // Still waiting for its Retry-After: the clock never moved, and nothing woke it.
      expect(waiting(store, 'rule-waiter')).toBe(true);
      expect(jobView(store.get('rule-waiter')!).next_attempt_at).toBe(due);
      expect(gw.ids().filter((id) => id === 'rule-waiter')).toHaveLength(1);
    }),
  );

  it('a 401 wakes no job of its key waiting for a concurrency slot', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('slot-runner', { timeoutMs: 3_600_000, maxAttempts: 1 }));
      store.enqueue(newJob('slot-waiter', { timeoutMs: 3_600_000 }));
      const gw = scripted(clock, { 'slot-runner': ['held'], 'slot-waiter': [keySlotRefusal] });
      const drained = scriptedEngine(store, clock, gw.execute, { concurrency: 4 }).drain();
      await settle(() => waiting(store, 'slot-waiter') && gw.held().includes('slot-runner'));
      gw.finish('slot-runner', failed(401, 'invalid_api_key'));
      await drained;
      expect(waiting(store, 'slot-waiter')).toBe(true);
      expect(gw.ids().filter((id) => id === 'slot-waiter')).toHaveLength(1);
    }));
});
