import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import type { Sql } from '../../../durable-objects/job-queue/sql.ts';
import type { Job } from '../../../schemas/jobs.ts';
import { createApp } from '../../../workers/app.ts';
import type { ShardWalkCursor } from '../../../workers/jobs/cursor.ts';
import { decodeWalkCursor, encodeWalkCursor } from '../../../workers/jobs/cursor.ts';
import { LIST_PAGE_BYTES } from '../../../workers/jobs/list-params.ts';
import { walkShards } from '../../../workers/jobs/shard-walk.ts';
import { shardName } from '../../../workers/jobs/shards.ts';
import { seedKey } from '../helpers/seed.ts';
import { newJob, storeWith, withSql } from './helpers.ts';
import { memorySource } from './memory-shards.ts';

const job = (id: string, createdAt: number) => ({ id, created_at: createdAt }) as Job;

describe('walking shards that stop at a byte budget', () => {
  it('takes no job older than the last one a byte-truncated shard returned', async () => {
    // s0's second job does not fit its share (6 of 12 bytes); s1's small ones all do.
    const shards = new Map([
      ['s0', [job('a10', 10), job('a9', 9), job('a1', 1)]],
      ['s1', [job('b8', 8), job('b7', 7), job('b2', 2)]],
    ]);
    const size = (j: Job) => (j.id.startsWith('a') ? 5 : 1);
    const { source } = memorySource(shards, size);
    const options = { limit: 10, shardBudget: 2, byteBudget: 12 };
    const first = await walkShards(source, { ...options, cursor: null });
    // b8, b7 and b2 were read, but a9 (not returned yet) is newer than all three.
    expect(first.data.map((j) => j.id)).toEqual(['a10']);
    expect(first.next).toEqual({ after: null, through: 's1', before: { createdAt: 10, id: 'a10' } });
    const ids = ['a10'];
    let cursor = first.next;
    while (cursor) {
      const page = await walkShards(source, { ...options, cursor });
      ids.push(...page.data.map((j) => j.id));
      cursor = page.next;
    }
    expect(ids).toEqual(['a10', 'a9', 'b8', 'b7', 'b2', 'a1']);
  });

  it('a job larger than its share comes alone on a page, read by itself', async () => {
    const shards = new Map([
      ['s0', [job('huge', 10), job('a5', 5)]],
      ['s1', [job('b8', 8)]],
    ]);
    const { source, reads } = memorySource(shards, (j) => (j.id === 'huge' ? 100 : 1));
    const page = await walkShards(source, { limit: 10, shardBudget: 2, byteBudget: 10, cursor: null });
    expect(page.data.map((j) => j.id)).toEqual(['huge']);
    expect(page.next?.before).toEqual({ createdAt: 10, id: 'huge' });
    // two shard reads within the budget, then the one for the large job alone
    expect(reads).toEqual([
      { shard: 's0', bytes: 0 },
      { shard: 's1', bytes: 1 },
      { shard: 's0', bytes: 100 },
    ]);
  });

  it('following next yields every job exactly once, newest first, each page within its byte budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(fc.record({ t: fc.integer({ min: 0, max: 8 }), size: fc.integer({ min: 0, max: 40 }) }), {
            maxLength: 8,
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 60 }),
        async (layout, limit, shardBudget, byteBudget) => {
          const sizes = new Map<string, number>();
          const shards = new Map<string, Job[]>(
            layout.map((rows, s) => [
              `s${s}`,
              rows.map(({ t, size }, i) => {
                sizes.set(`j${s}_${i}`, size);
                return job(`j${s}_${i}`, t);
              }),
            ]),
          );
          const all = [...shards.values()].flat();
          const { source, reads } = memorySource(shards, (j) => sizes.get(j.id)!);
          const seen: Job[] = [];
          let cursor: ShardWalkCursor | null = null;
          for (let pages = 0; pages <= 2 * (all.length + shards.size) + 2; pages++) {
            reads.length = 0;
            const page = await walkShards(source, { limit, shardBudget, byteBudget, cursor });
            expect(page.data.length).toBeLessThanOrEqual(limit);
            // Loaded within the budget, plus at most one job read alone.
            const loaded = reads.reduce((n, r) => n + r.bytes, 0);
            const largest = Math.max(0, ...page.data.map((j) => sizes.get(j.id)!));
            expect(loaded).toBeLessThanOrEqual(byteBudget + largest);
            const inPage = page.data.reduce((n, j) => n + sizes.get(j.id)!, 0);
            if (page.data.length > 1) expect(inPage).toBeLessThanOrEqual(byteBudget);
            seen.push(...page.data);
            if (page.next === null) break;
            cursor = decodeWalkCursor(encodeWalkCursor(page.next));
          }
          expect(seen.map((j) => j.id).sort()).toEqual(all.map((j) => j.id).sort());
          // One group holds every shard: the whole listing is newest first.
          if (shardBudget >= shards.size) {
            const order = [...all].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
            expect(seen.map((j) => j.id)).toEqual(order.map((j) => j.id));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('JobStore.list within a byte budget', () => {
  it('measures rows without the request, stops before a row that does not fit, and names it', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      for (const [id, bytes] of [
        ['r0', 1000],
        ['r1', 5000],
        ['r2', 10],
      ] as const) {
        clock.advance(10);
        store.enqueue(newJob(id, { request: { pad: 'q'.repeat(100_000) } }));
        sql.exec('UPDATE jobs SET result = ? WHERE id = ?', JSON.stringify({ text: 'x'.repeat(bytes) }), id);
      }
      const query = { tenant: 't1', statuses: null, limit: 10, before: null };
      const small = store.list({ ...query, maxBytes: 2000 });
      // r2 fits; r1's result does not; the 100 kB requests count for nothing.
      expect(small.rows.map((r) => r.id)).toEqual(['r2']);
      expect(small.bytes).toBeLessThan(2000);
      expect(small.stop).toMatchObject({ id: 'r1' });
      expect(small.rows[0]).not.toHaveProperty('request');
      expect(store.list({ ...query, maxBytes: 100 })).toMatchObject({ rows: [], bytes: 0 });
      const whole = store.list({ ...query, maxBytes: 1_000_000 });
      expect(whole.rows.map((r) => r.id)).toEqual(['r2', 'r1', 'r0']);
      expect(whole.stop).toBeNull();
    }));
});

describe('GET /v1/jobs over jobs with large results', () => {
  const tenant = `big-${crypto.randomUUID().slice(0, 8)}`;
  const ids: string[] = [];
  let key: string;

  /** Large rows written straight into a shard's storage (submitting megabytes through the API is slow). */
  async function seedShard(shard: number, jobs: { createdAt: number; resultBytes: number }[]) {
    const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
    const stub = ns.get(ns.idFromName(shardName(tenant, shard)));
    await runInDurableObject(stub, (_q, state) => {
      const sql = state.storage.sql as unknown as Sql;
      for (const { createdAt, resultBytes } of jobs) {
        const id = `job_${state.id.toString()}_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
        const store = new JobStore(sql, () => createdAt);
        store.enqueue(newJob(id, { tenant, request: { model: 'm', pad: 'q'.repeat(900_000) } }));
        const result = { object: 'chat.completion', choices: [{ text: 'r'.repeat(resultBytes) }] };
        sql.exec(
          `UPDATE jobs SET status = 'succeeded', finished_at = ?, result = ? WHERE id = ?`,
          createdAt + 1,
          JSON.stringify(result),
          id,
        );
        ids.push(id);
      }
    });
  }

  beforeAll(async () => {
    key = await seedKey({ scopes: ['jobs'], tenant });
    // 4 shards (ECO_JOB_SHARDS), 16 jobs, about 12 MB of results: more than one page may hold.
    const base = Date.now() - 60_000;
    for (let shard = 0; shard < 4; shard++) {
      await seedShard(
        shard,
        Array.from({ length: 4 }, (_, i) => ({
          createdAt: base + i * 4 + shard,
          resultBytes: (i + shard) % 5 === 4 ? 2_000 : 950_000,
        })),
      );
    }
  });

  /** Every page of a listing; with `shards`, through an app whose ECO_JOB_SHARDS is that. */
  async function allPages(query: string, shards?: number) {
    const app = createApp();
    const pages: { bytes: number; data: Job[] }[] = [];
    let cursor: string | null = null;
    do {
      const url = `http://gw/v1/jobs?${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const init = { headers: { authorization: `Bearer ${key}` } };
      let res: Response;
      if (shards === undefined) res = await exports.default.fetch(url, init);
      else {
        const ctx = createExecutionContext();
        res = await app.request(url, init, { ...env, ECO_JOB_SHARDS: String(shards) }, ctx);
        await waitOnExecutionContext(ctx);
      }
      expect(res.status).toBe(200);
      const text = await res.text();
      const page = JSON.parse(text) as { data: Job[]; has_more: boolean; next_cursor: string | null };
      expect(page.has_more).toBe(page.next_cursor !== null);
      pages.push({ bytes: new TextEncoder().encode(text).byteLength, data: page.data });
      cursor = page.next_cursor;
    } while (cursor !== null && pages.length < 50);
    return pages;
  }

  // At 16 shards a shard's share (512 KiB) is smaller than a large job, which then comes alone.
  for (const [query, shards] of [['limit=100'], ['limit=12&status=succeeded'], ['limit=20', 16]] as const) {
    it(`keeps every page within the budget and yields every job once, newest first (${query}, ${shards ?? 4} shards)`, async () => {
      const pages = await allPages(query, shards);
      for (const page of pages) {
        expect(page.bytes).toBeLessThanOrEqual(LIST_PAGE_BYTES);
        expect(page.data.every((j) => j.result !== null)).toBe(true);
      }
      expect(pages.length).toBeGreaterThan(1);
      if (shards === 16) {
        for (const page of pages.filter((p) => p.data.some((j) => JSON.stringify(j.result).length > 500_000)))
          expect(page.data).toHaveLength(1);
      }
      const listed = pages.flatMap((p) => p.data);
      expect(listed.map((j) => j.id).sort()).toEqual([...ids].sort());
      const created = listed.map((j) => j.created_at);
      expect(created).toEqual([...created].sort((a, b) => b - a));
    });
  }
});
