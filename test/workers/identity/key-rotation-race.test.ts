import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EcoError, errorBody } from '../../../schemas/errors.ts';
import { rotateKey } from '../../../workers/auth/key-store.ts';
import { sha256Hex } from '../../../workers/data/key-hash.ts';
import { seedKey } from '../helpers/seed.ts';
import { call } from './helpers.ts';

/**
 * env.DB whose batches wait until `parties` of them are pending, then all go: every caller has read
 * the key before any write lands, as when two rotations arrive at the same moment.
 */
function batchBarrier(parties: number): D1Database {
  const waiting: (() => void)[] = [];
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === parties) for (const go of waiting) go();
          });
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const count = async (sql: string, id: string) =>
  (await env.DB.prepare(sql).bind(id).first<{ n: number }>())!.n;

describe('rotating a key twice at the same moment', () => {
  it('one rotation wins; the other is a 409 rotation_conflict and changes nothing', async () => {
    const id = 'key_rotate_race';
    const original = await seedKey({ id });
    const store = { database: batchBarrier(2), actorKeyId: null };
    const results = await Promise.allSettled([rotateKey(store, id, 60_000), rotateKey(store, id, 60_000)]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const err = (lost[0] as PromiseRejectedResult).reason as unknown;
    expect(err).toBeInstanceOf(EcoError);
    expect((err as EcoError).status).toBe(409);
    expect(errorBody(err as EcoError).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'rotation_conflict',
      param: null,
    });

    // Exactly the winner's rotation is stored: its secret, one retired secret, one audit entry.
    const secret = (won[0] as PromiseFulfilledResult<{ secret: string }>).value.secret;
    const row = await env.DB.prepare('SELECT key_hash FROM api_keys WHERE id = ?')
      .bind(id)
      .first<{ key_hash: string }>();
    expect(row!.key_hash).toBe(await sha256Hex(secret));
    const retired = await env.DB.prepare('SELECT key_hash FROM api_key_retired_hashes WHERE key_id = ?')
      .bind(id)
      .all<{ key_hash: string }>();
    expect(retired.results.map((r) => r.key_hash)).toEqual([await sha256Hex(original)]);
    expect(
      await count("SELECT count(*) AS n FROM audit_log WHERE target = ? AND action = 'api_key.rotate'", id),
    ).toBe(1);
    // The new secret works, and the old one within its grace period.
    expect((await call('/v1/models', secret)).status).toBe(200);
    expect((await call('/v1/models', original)).status).toBe(200);
  });
});
