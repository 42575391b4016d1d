import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { revokeKey, updateKey } from '../../../workers/auth/key-store.ts';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey } from '../helpers/seed.ts';

const store = { database: env.DB, actorKeyId: 'key_admin_races' };
const audits = async (target: string, action: string) =>
  (await auditActions(target)).filter((done) => done === action).length;

describe('API key writes that race', () => {
  it('revokes at once: one sets the time and is audited, every answer shows that time', async () => {
    await seedKey({ id: 'key_race_revoke' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => revokeKey(store, 'key_race_revoke')));
    expect(new Set(answers.map((k) => k.revoked_at)).size).toBe(1);
    expect(answers[0]!.revoked_at).not.toBeNull();
    expect(await audits('key_race_revoke', 'api_key.revoke')).toBe(1);
    // A later revoke of the revoked key changes nothing and writes no record.
    await revokeKey(store, 'key_race_revoke');
    expect(await audits('key_race_revoke', 'api_key.revoke')).toBe(1);
  });

  it('a change to a key deleted meanwhile answers 404 and leaves no record of a change', async () => {
    await seedKey({ id: 'key_race_gone' });
    // The key goes between the change's read of it and its write.
    const deletedBeforeWrite = racingBatch(env.DB, (db) =>
      db.prepare("DELETE FROM api_keys WHERE id = 'key_race_gone'").run(),
    );
    const err = await refusal(
      updateKey({ ...store, database: deletedBeforeWrite }, 'key_race_gone', { name: 'renamed' }),
    );
    expect(err).toMatchObject({ status: 404 });
    expect(await audits('key_race_gone', 'api_key.update')).toBe(0);
  });
});
