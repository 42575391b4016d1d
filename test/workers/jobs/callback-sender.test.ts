import { describe, expect, it } from 'vitest';
import { callbackSender } from '../../../durable-objects/job-queue/callback-sender.ts';
import { verifyCallbackSignature } from '../../../durable-objects/job-queue/callback-signature.ts';
import { JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { tenantCallbackSecret } from '../../../durable-objects/job-queue/tenant-callback-secret.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { engineConfig, newJob, withSql } from './helpers.ts';

const SECRET = 'callback-sender-secret';

/** A store with one finished job whose callback is due, and an engine delivering it for real. */
function finishedJob(sql: Parameters<Parameters<typeof withSql>[0]>[0], url: string, timeoutMs = 5_000) {
  const store = new JobStore(sql, Date.now);
  store.enqueue(newJob('cb', { callbackUrl: url }));
  store.cancel('cb');
  const engine = new JobEngine({
    store,
    execute: async () => ({ kind: 'succeeded', result: {}, usage: null }),
    sendCallback: callbackSender(() => SECRET),
    config: engineConfig({
      callbackMaxAttempts: 3,
      callbackBackoff: { baseMs: 60_000, maxMs: 60_000 },
      callbackTimeoutMs: timeoutMs,
    }),
    now: Date.now,
    random: () => 0.5,
  });
  return { store, engine };
}

describe('callback delivery', () => {
  it("signs the exact body it sends with its tenant's secret, which no other tenant holds", () =>
    withSql(async (sql) => {
      const seen: { body: string; signature: string; id: string | null }[] = [];
      mockOrigin('hooks.example.com', async (req) => {
        seen.push({
          body: await req.text(),
          signature: req.headers.get('x-eco-signature') ?? '',
          id: req.headers.get('x-eco-job-id'),
        });
        return new Response(null, { status: 204 });
      });
      const { store, engine } = finishedJob(sql, 'https://hooks.example.com/cb');
      await engine.drain();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.id).toBe('cb');
      const verifies = async (secret: string) =>
        verifyCallbackSignature(secret, seen[0]!.signature, seen[0]!.body, Date.now() / 1000);
      expect(await verifies(await tenantCallbackSecret(SECRET, 't1'))).toBe(true);
      // Neither the root secret nor another tenant's secret signs it.
      expect(await verifies(SECRET)).toBe(false);
      expect(await verifies(await tenantCallbackSecret(SECRET, 't2'))).toBe(false);
      expect(JSON.parse(seen[0]!.body)).toMatchObject({ id: 'cb', status: 'cancelled' });
      expect(jobView(store.get('cb')!).callback).toMatchObject({ status: 'delivered', attempts: 1 });
    }));

  it('does not follow a redirect, and says so in last_error (with where it pointed)', () =>
    withSql(async (sql) => {
      let followed = 0;
      mockOrigin(
        'hooks.example.com',
        () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example.com/in' } }),
      );
      mockOrigin('elsewhere.example.com', () => {
        followed++;
        return new Response(null, { status: 204 });
      });
      const { store, engine } = finishedJob(sql, 'https://hooks.example.com/cb');
      await engine.drain();
      expect(followed).toBe(0);
      const callback = jobView(store.get('cb')!).callback;
      expect(callback).toMatchObject({
        status: 'pending',
        attempts: 1,
        last_error:
          'callback answered HTTP 302; redirects are not followed (location: https://elsewhere.example.com/in)',
      });
      expect(callback?.next_attempt_at).toBeGreaterThan(Date.now());
    }));

  it('cuts a receiver that never answers at the timeout, keeps the job and retries later', () =>
    withSql(async (sql) => {
      let aborted = 0;
      mockOrigin(
        'hooks.example.com',
        (req) =>
          new Promise<Response>((_resolve, reject) => {
            req.signal.addEventListener('abort', () => {
              aborted++;
              reject(req.signal.reason);
            });
          }),
      );
      const { store, engine } = finishedJob(sql, 'https://hooks.example.com/cb', 50);
      await engine.drain();
      const view = jobView(store.get('cb')!);
      expect(aborted).toBe(1);
      expect(view.status).toBe('cancelled');
      expect(view.callback).toMatchObject({ status: 'pending', attempts: 1 });
      expect(view.callback?.last_error).toMatch(/timeout|abort/i);
      expect(view.callback?.next_attempt_at).toBeGreaterThan(Date.now());
    }));
});
