import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { seedKey, seedModel } from '../helpers/seed.ts';
import { deadLetterShard } from './dead-letter-shard.ts';
import { seedReplayPool } from './replay-pool.ts';

const tenant = `replay-audit-${crypto.randomUUID().slice(0, 8)}`;
const model = `${tenant}-model`;
const adminId = `key_replay_audit_admin_${crypto.randomUUID().slice(0, 8)}`;
let admin: string;
let shard: Awaited<ReturnType<typeof deadLetterShard>>;

beforeAll(async () => {
  admin = await seedKey({ id: adminId, scopes: ['admin'], tenant: 'ops' });
  await seedReplayPool(`${tenant}-pool`);
  await seedModel(model, [{ pool: `${tenant}-pool`, engineModel: 'x' }]);
  shard = await deadLetterShard(tenant);
});

const auditRows = async (target: string) =>
  (
    await env.DB.prepare(
      'SELECT actor_key_id, action, detail FROM audit_log WHERE target = ? ORDER BY created_at, rowid',
    )
      .bind(target)
      .all<{ actor_key_id: string | null; action: string; detail: string }>()
  ).results.map((r) => ({ actor: r.actor_key_id, action: r.action, detail: JSON.parse(r.detail) }));

describe('the audit log of POST /admin/jobs/<id>/replay', () => {
  it('records a replay made: who, the job, and its tenant, key and model', async () => {
    const { job, keyId } = await shard.deadJob({ model, keyPrefix: 'key_replay_audit_' });
    const { status } = await shard.replay(admin, job.id);
    expect(status).toBe(202);
    expect(await auditRows(job.id)).toEqual([
      { actor: adminId, action: 'job.replay', detail: { tenant, keyId, model } },
    ]);
  });

  it('records nothing for a replay refused', async () => {
    const { job, keyId } = await shard.deadJob({ model, keyPrefix: 'key_replay_audit_' });
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(Date.now(), keyId).run();
    invalidateKeyCache();
    const { status, body } = await shard.replay(admin, job.id);
    expect({ status, code: body.error.code }).toEqual({ status: 409, code: 'job_key_unusable' });
    expect(await auditRows(job.id)).toEqual([]);
  });
});
