import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import { createApp } from '../../../workers/app.ts';
import { idempotencyCounts, listingShards } from '../../../workers/jobs/shard-counts.ts';
import { pickShard } from '../../../workers/jobs/shards.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// Nothing listens there: the jobs' runs fail fast, and only their submission matters here.
const ORIGIN = '127.0.0.1:9';
const tenant = `shard-change-${crypto.randomUUID().slice(0, 8)}`;
let key = '';
let keyId = '';

beforeAll(async () => {
  await seedPool(
    {
      name: 'shard-change-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
    },
    'shard-change-model',
  );
  keyId = `key_shard_change_${crypto.randomUUID().slice(0, 8)}`;
  key = await seedKey({ id: keyId, scopes: ['inference', 'jobs'], tenant });
});

/** The gateway as deployed with ECO_JOB_SHARDS = `shards`. */
async function call(shards: number, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await createApp().request(
    `http://gw${path}`,
    {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    },
    { ...env, ECO_JOB_SHARDS: String(shards) },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const body = (content: string) =>
  JSON.stringify({
    type: 'chat',
    request: { model: 'shard-change-model', messages: [{ role: 'user', content }] },
  });

async function submit(shards: number, idempotencyKey: string, content: string) {
  const res = await call(shards, '/v1/jobs', {
    method: 'POST',
    headers: { 'idempotency-key': idempotencyKey },
    body: body(content),
  });
  return { res, job: (await res.json()) as Job & { error?: { code: string } } };
}

/** An Idempotency-Key whose shard under `from` is not its shard under `to` (with `home` as given). */
async function movingKey(from: number, to: number, home?: (shard: number) => boolean): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const k = `moving-${i}-${crypto.randomUUID().slice(0, 6)}`;
    const scope = `${tenant}\n${keyId}\n${k}`;
    const a = await pickShard(from, scope);
    if (a !== (await pickShard(to, scope)) && (home === undefined || home(a))) return k;
  }
  throw new Error('no such key');
}

describe('changing ECO_JOB_SHARDS', () => {
  it('a resubmit with the same Idempotency-Key after raising the count answers the same job', async () => {
    const k = await movingKey(4, 8);
    const first = await submit(4, k, 'raise');
    expect(first.res.status).toBe(202);
    const again = await submit(8, k, 'raise');
    expect(again.res.status).toBe(202);
    expect(again.job.id).toBe(first.job.id);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    // and with a different body it is the same key reused
    const other = await submit(8, k, 'another body');
    expect(other.res.status).toBe(409);
    expect(other.job.error?.code).toBe('idempotency_key_reused');
  });

  it('a resubmit after lowering the count answers the same job, which the listing still shows', async () => {
    const k = await movingKey(8, 2, (shard) => shard >= 2);
    const first = await submit(8, k, 'lower');
    expect(first.res.status).toBe(202);
    const again = await submit(2, k, 'lower');
    expect(again.res.status).toBe(202);
    expect(again.job.id).toBe(first.job.id);
    const listed = (await (await call(2, '/v1/jobs?limit=100')).json()) as { data: Job[] };
    expect(listed.data.map((j) => j.id)).toContain(first.job.id);
  });

  it('submits without an Idempotency-Key, and keys that never moved, are unaffected', async () => {
    const k = `steady-${crypto.randomUUID().slice(0, 8)}`;
    const first = await submit(3, k, 'steady');
    const again = await submit(3, k, 'steady');
    expect(again.job.id).toBe(first.job.id);
    const plain = await call(3, '/v1/jobs', { method: 'POST', body: body('plain') });
    expect(plain.status).toBe(202);
  });
});

describe('which earlier counts still matter', () => {
  const now = 1_700_000_000_000;
  const hour = 3_600_000;
  it('an Idempotency-Key is looked for under counts in use within its 24 h (plus the record lag), newest first', () => {
    const counts = [
      { shards: 2, lastSeenAt: now - 30 * hour },
      { shards: 8, lastSeenAt: now - 2 * hour },
      { shards: 16, lastSeenAt: now - 20 * hour },
      { shards: 4, lastSeenAt: now },
    ];
    expect(idempotencyCounts(counts, 4, now)).toEqual([4, 8, 16]);
  });
  it('a listing reads as many shards as a count whose jobs may still be retained, never fewer than now', () => {
    const retention = 168 * hour;
    expect(listingShards([{ shards: 8, lastSeenAt: now - 100 * hour }], 4, retention, now)).toBe(8);
    expect(listingShards([{ shards: 8, lastSeenAt: now - 300 * hour }], 4, retention, now)).toBe(4);
    expect(listingShards([{ shards: 2, lastSeenAt: now }], 4, retention, now)).toBe(4);
  });
});
