import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorBody } from '../../../schemas/errors.ts';
import { deleteKey, revokeKey, rotateKey } from '../../../workers/auth/key-store.ts';
import { sha256Hex } from '../../../workers/data/key-hash.ts';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey } from '../helpers/seed.ts';

const store = { database: env.DB, actorKeyId: 'key_admin_rotate_races' };

const retiredHashes = async (id: string) =>
  (
    await env.DB.prepare('SELECT key_hash FROM api_key_retired_hashes WHERE key_id = ?')
      .bind(id)
      .all<{ key_hash: string }>()
  ).results.map((r) => r.key_hash);

describe('a key rotation that races another write of the key', () => {
  it('loses to a delete: 404, no retired secret left behind, no rotate record', async () => {
    const id = 'key_rotate_vs_delete';
    await seedKey({ id });
    const deletedBeforeWrite = racingBatch(env.DB, (db) => deleteKey({ ...store, database: db }, id));
    const err = await refusal(rotateKey({ ...store, database: deletedBeforeWrite }, id, 60_000));
    expect(err.status).toBe(404);
    expect(errorBody(err).error).toMatchObject({ code: 'api_key_not_found' });
    expect(await retiredHashes(id)).toEqual([]);
    expect(await auditActions(id)).toEqual(['api_key.delete']);
  });

  it('loses to a revoke: 409 api_key_revoked, the secret unchanged, no rotate record', async () => {
    const id = 'key_rotate_vs_revoke';
    const secret = await seedKey({ id });
    const revokedBeforeWrite = racingBatch(env.DB, (db) => revokeKey({ ...store, database: db }, id));
    const err = await refusal(rotateKey({ ...store, database: revokedBeforeWrite }, id, 60_000));
    expect(err.status).toBe(409);
    expect(errorBody(err).error).toMatchObject({ code: 'api_key_revoked' });
    const row = await env.DB.prepare('SELECT key_hash, revoked_at FROM api_keys WHERE id = ?')
      .bind(id)
      .first<{ key_hash: string; revoked_at: number | null }>();
    expect(row!.key_hash).toBe(await sha256Hex(secret));
    expect(row!.revoked_at).not.toBeNull();
    expect(await retiredHashes(id)).toEqual([]);
    expect(await auditActions(id)).toEqual(['api_key.revoke']);
  });

  it('loses to another rotation of the same secret: 409 rotation_conflict, only that rotation stored', async () => {
    const id = 'key_rotate_vs_rotate';
    const original = await seedKey({ id });
    let winner = '';
    const rotatedBeforeWrite = racingBatch(env.DB, async (db) => {
      winner = (await rotateKey({ ...store, database: db }, id, 60_000)).secret;
    });
    const err = await refusal(rotateKey({ ...store, database: rotatedBeforeWrite }, id, 60_000));
    expect(err.status).toBe(409);
    expect(errorBody(err).error).toMatchObject({ code: 'rotation_conflict' });
    const row = await env.DB.prepare('SELECT key_hash FROM api_keys WHERE id = ?')
      .bind(id)
      .first<{ key_hash: string }>();
    expect(row!.key_hash).toBe(await sha256Hex(winner));
    expect(await retiredHashes(id)).toEqual([await sha256Hex(original)]);
    expect(await auditActions(id)).toEqual(['api_key.rotate']);
  });
});
