import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import type { Job } from '../../../schemas/jobs.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { chat, finished, jobsClient } from './api-client.ts';

const ORIGIN = 'jobs-limit-origin.test';
// One request back every 500 ms: a burst of a few jobs over the limit clears in seconds of test.
const LIMITS = { requestsPerMinute: 120 };

beforeAll(async () => {
  await seedPool(
    {
      name: 'jobs-limit-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-limit-model',
  );
  mockOrigin(ORIGIN, () => chatAnswer('ok'));
});

/** Spend the key's whole requests-per-minute bucket, as a burst of sync calls would. */
async function spendBucket(keyId: string): Promise<void> {
  const stub = (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(keyId);
  for (let i = 0; i <= LIMITS.requestsPerMinute; i++) {
    const r = await stub.reserve({
      reservationId: crypto.randomUUID(),
      tokens: 0,
      limits: LIMITS,
      ttlMs: 0,
      instant: true,
    });
    if (!r.ok) return;
  }
}

describe('jobs of a key at its requests-per-minute limit (over HTTP)', () => {
  it('all succeed on their first attempt: the 429s of the key’s limit are waits, shown in the transitions', async () => {
    const keyId = `key_jobs_rpm_${crypto.randomUUID().slice(0, 8)}`;
    const key = await seedKey({
      id: keyId,
      scopes: ['inference', 'jobs'],
      tenant: `jobs-rpm-${crypto.randomUUID().slice(0, 8)}`,
      limits: LIMITS,
    });
    await spendBucket(keyId);
    const client = jobsClient(key);
    const submitted = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.call('/v1/jobs', {
          method: 'POST',
          body: JSON.stringify({ type: 'chat', request: chat('jobs-limit-model', `burst ${i}`) }),
        }),
      ),
    );
    const ids: string[] = [];
    for (const res of submitted) {
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as Job).id);
    }
    const jobs: Job[] = [];
    for (const id of ids) jobs.push(await client.pollJob(id, finished));
    for (const job of jobs) {
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(job.attempt_log.map((a) => a.outcome)).toEqual(['succeeded']);
    }
    // the bucket was empty when they were submitted (a request or two may have come back since)
    const waited = jobs.filter((j) =>
      j.transitions.some((t) => t.note?.startsWith('limit wait: rate_limit_exceeded')),
    );
    expect(waited.length).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
