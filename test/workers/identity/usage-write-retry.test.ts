import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { recordUsage } from '../../../workers/usage/record-usage.ts';
import { usageRecord } from './helpers.ts';

const record = (requestId: string) => usageRecord(requestId, 'key_retry');

/** D1 whose first batch commits but reports a failure (a lost answer), as a network error can. */
function lostAnswerDb(): D1Database {
  let failed = false;
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          const result = await target.batch(statements);
          if (failed) return result;
          failed = true;
          throw new Error('network connection lost');
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** D1 whose batches all fail. */
function downDb(): D1Database {
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'batch')
        return async () => {
          throw new Error('D1 is unavailable');
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const rowsFor = async (requestId: string) =>
  (
    await env.DB.prepare('SELECT COUNT(*) AS n FROM usage_events WHERE request_id = ?')
      .bind(requestId)
      .first<{ n: number }>()
  )?.n;

describe('batched usage writes', () => {
  it("batches as each call asks, and carries rows buffered under another call's batching", async () => {
    const held = recordUsage(env.DB, record('resize-held'), Date.now(), { maxRows: 50, windowMs: 1000 });
    await recordUsage(env.DB, record('resize-now'), Date.now(), { maxRows: 1, windowMs: 0 });
    expect(await rowsFor('resize-held')).toBe(1);
    expect(await rowsFor('resize-now')).toBe(1);
    await held;
    expect(await rowsFor('resize-held')).toBe(1);
  });

  it('writes each row once, and later rows are not held back by it', async () => {
    const batching = { maxRows: 1, windowMs: 0 };
    await recordUsage(lostAnswerDb(), record('retry-first'), Date.now(), batching);
    await recordUsage(env.DB, record('retry-second'), Date.now(), batching);
    expect(await rowsFor('retry-first')).toBe(1);
    expect(await rowsFor('retry-second')).toBe(1);
  });

  it('keeps rows whose write failed twice, even when another call resized the buffer meanwhile', async () => {
    const failing = recordUsage(downDb(), record('kept-failed'), Date.now(), { maxRows: 1, windowMs: 0 });
    // While that write waits to be retried, a call with other batching resizes the buffer.
    await recordUsage(env.DB, record('kept-other'), Date.now(), { maxRows: 5, windowMs: 0 });
    await failing;
    expect(await rowsFor('kept-failed')).toBe(0);
    // The next write takes the kept row along.
    await recordUsage(env.DB, record('kept-next'), Date.now(), { maxRows: 5, windowMs: 0 });
    expect(await rowsFor('kept-failed')).toBe(1);
    expect(await rowsFor('kept-other')).toBe(1);
    expect(await rowsFor('kept-next')).toBe(1);
  });
});
