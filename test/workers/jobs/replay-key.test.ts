import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { replayTarget } from '../../../durable-objects/job-queue/replay-target.ts';
import type { Sql } from '../../../durable-objects/job-queue/sql.ts';
import type { ApiKeyRow } from '../../../schemas/db/api-keys.ts';
import type { Job } from '../../../schemas/jobs.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { keyUnusable } from '../../../workers/jobs/replay-key.ts';
import { shardName } from '../../../workers/jobs/shards.ts';
import { seedKey, seedModel } from '../helpers/seed.ts';
import { deadLetterShard } from './dead-letter-shard.ts';
import { newJob, storeWith, withSql } from './helpers.ts';
import { seedReplayPool } from './replay-pool.ts';

const tenant = `replay-key-${crypto.randomUUID().slice(0, 8)}`;
/** The jobs' model, in the registry (a replay checks it too; see replay-model.test.ts). */
const model = `${tenant}-model`;
let admin: string;
/**
 * Runs of keys named `key_hold_…` stay open while this is set (polled: a promise made in the test
 * cannot be settled from the object's context).
 */
let holding = false;
let shard: Awaited<ReturnType<typeof deadLetterShard>>;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedReplayPool(`${tenant}-pool`);
  await seedModel(model, [{ pool: `${tenant}-pool`, engineModel: 'x' }]);
  shard = await deadLetterShard(tenant, (job) => holding && job.key_id.startsWith('key_hold_'));
});

const KEY_CHANGES = {
  'was revoked': (id: string) =>
    env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(Date.now(), id),
  'has expired': (id: string) =>
    env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').bind(Date.now(), id),
  'was deleted': (id: string) => env.DB.prepare('DELETE FROM api_keys WHERE id = ?').bind(id),
  "lost the 'inference' scope": (id: string) =>
    env.DB.prepare(`UPDATE api_keys SET scopes = '["jobs"]' WHERE id = ?`).bind(id),
  'has an invalid stored record': (id: string) =>
    env.DB.prepare(`UPDATE api_keys SET scopes = '"inference"' WHERE id = ?`).bind(id),
};
type KeyChange = keyof typeof KEY_CHANGES;

const deadJob = () => shard.deadJob({ model, keyPrefix: 'key_replay_' });
const until = (id: string, done: (job: Job) => boolean) => shard.until(id, done);
const replay = (id: string) => shard.replay(admin, id);

describe('POST /admin/jobs/<id>/replay of a job whose key can no longer run it', () => {
  it.each(Object.keys(KEY_CHANGES) as KeyChange[])(
    'refuses with 409 job_key_unusable when the key %s, leaving the job, its runs and its callbacks as they were',
    async (change) => {
      const { job, keyId } = await deadJob();
      await KEY_CHANGES[change](keyId).run();
      invalidateKeyCache();
      const { status, body } = await replay(job.id);
      expect({ status, code: body.error.code, param: body.error.param }).toEqual({
        status: 409,
        code: 'job_key_unusable',
        param: 'id',
      });
      expect(body.error.message).toContain(keyId);
      expect(await shard.untouched(job)).toEqual({ stored: job, runs: 1, callbacks: 1 });
    },
  );

  it('names why the key cannot run the job', async () => {
    const messages: Record<string, string> = {};
    for (const change of ['was revoked', 'has expired', 'was deleted'] as const) {
      const { job, keyId } = await deadJob();
      await KEY_CHANGES[change](keyId).run();
      messages[change.split(' ')[1]!] = (await replay(job.id)).body.error.message;
    }
    expect(messages.revoked).toMatch(/revoked/);
    expect(messages.expired).toMatch(/expired/);
    expect(messages.deleted).toMatch(/no longer exists|deleted/);
  });

  it('still replays a job whose key is fine: 202, queued again, and it runs once more', async () => {
    const { job } = await deadJob();
    const { status, body } = await replay(job.id);
    expect(status).toBe(202);
    expect(body.status).toBe('queued');
    const again = await until(job.id, (j) => j.status === 'failed' && j.callback?.status === 'delivered');
    expect(again.transitions.some((t) => t.note === 'replayed')).toBe(true);
    expect({ runs: shard.runs.get(job.id), callbacks: shard.callbacks.get(job.id) }).toEqual({
      runs: 2,
      callbacks: 2,
    });
  });

  it('answers job_not_failed, not job_key_unusable, for a job that has not failed', async () => {
    const keyId = `key_hold_${crypto.randomUUID().slice(0, 8)}`;
    holding = true;
    await seedKey({ id: keyId, tenant, scopes: ['inference', 'jobs'] });
    const submitted = await shard.shard().submit({
      tenant,
      keyId,
      type: 'chat',
      priority: 'normal',
      model,
      request: { model, messages: [{ role: 'user', content: 'held' }] },
      baseUrl: 'http://gw',
      timeoutMs: 60_000,
      maxAttempts: 1,
    });
    if (!submitted.ok) throw new Error('not submitted');
    const running = await until(submitted.job.id, (j) => j.status === 'running');
    expect(running.status).toBe('running');
    await KEY_CHANGES['was revoked'](keyId).run();
    try {
      const { status, body } = await replay(submitted.job.id);
      expect({ status, code: body.error.code }).toEqual({ status: 409, code: 'job_not_failed' });
    } finally {
      holding = false;
    }
  });

  it('answers 404 job_not_found for a job its shard does not hold', async () => {
    const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
    const id = `job_${ns.idFromName(shardName(tenant, 0)).toString()}_${'0'.repeat(20)}`;
    const { status, body } = await replay(id);
    expect({ status, code: body.error.code }).toEqual({ status: 404, code: 'job_not_found' });
  });
});

describe('what a replay checks first', () => {
  it("reads a job's status, key, model and type from its row alone, not its request", () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      store.enqueue(newJob('j', { keyId: 'key_a' }));
      // every query it makes, to show none reads a request (up to 1 MiB a job)
      const queries: string[] = [];
      const seen: Sql = {
        exec: (query, ...bindings) => {
          queries.push(query);
          return sql.exec(query, ...bindings);
        },
      };
      const target = { found: true, keyId: 'key_a', model: 'm', type: 'chat' };
      expect(replayTarget(seen, 'j')).toEqual({ ...target, failed: false });
      expect(queries.length).toBeGreaterThan(0);
      for (const query of queries) expect(query).not.toMatch(/request|\*/);
      sql.exec(`UPDATE jobs SET status = 'failed' WHERE id = ?`, 'j');
      expect(replayTarget(sql, 'j')).toEqual({ ...target, failed: true });
      expect(replayTarget(sql, 'nope')).toEqual({ found: false });
    }));

  const row = (over: Partial<ApiKeyRow> = {}) =>
    ({
      id: 'key_a',
      scopes: ['inference'],
      limits: {},
      allowedModels: null,
      defaultPriority: 'normal',
      maxPriority: 'critical',
      revokedAt: null,
      expiresAt: null,
      ...over,
    }) as ApiKeyRow;

  it('counts a revocation or an expiry from its instant on, as the key check of a run does', () => {
    const now = 5_000;
    expect(keyUnusable(row(), now)).toBeNull();
    expect(keyUnusable(row({ revokedAt: now + 1 }), now)).toBeNull();
    expect(keyUnusable(row({ expiresAt: now + 1 }), now)).toBeNull();
    expect(keyUnusable(row({ revokedAt: now }), now)).toMatch(/revoked/);
    expect(keyUnusable(row({ expiresAt: now }), now)).toMatch(/expired/);
    expect(keyUnusable(undefined, now)).toMatch(/deleted/);
  });
});
