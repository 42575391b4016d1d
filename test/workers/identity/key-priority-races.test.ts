import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { updateKey } from '../../../workers/auth/key-store.ts';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey } from '../helpers/seed.ts';

// A key's default priority may not be above its maximum. Two PATCHes at once, each changing one of the
// pair, must not leave a key whose stored pair breaks that rule (every use of it would answer 500).

const store = { database: env.DB, actorKeyId: 'key_admin_priority_races' };

async function seedPriorities(id: string, defaultPriority: string, maxPriority: string): Promise<void> {
  await seedKey({ id });
  await env.DB.prepare('UPDATE api_keys SET default_priority = ?, max_priority = ? WHERE id = ?')
    .bind(defaultPriority, maxPriority, id)
    .run();
}

const stored = (id: string) =>
  env.DB.prepare('SELECT default_priority AS d, max_priority AS m FROM api_keys WHERE id = ?')
    .bind(id)
    .first<{ d: string; m: string }>();

/** The database as seen by a write that another request's `sql` on key `id` commits just before. */
const afterOther = (id: string, sql: string) =>
  racingBatch(env.DB, (db) => db.prepare(`UPDATE api_keys SET ${sql} WHERE id = ?`).bind(id).run());

describe('priority changes that race', () => {
  it('raising the default while the maximum is lowered meanwhile: 400, the stored pair stays in order', async () => {
    await seedPriorities('key_kpr_default', 'normal', 'high');
    const err = await refusal(
      updateKey(
        { ...store, database: afterOther('key_kpr_default', "max_priority = 'normal'") },
        'key_kpr_default',
        {
          default_priority: 'high',
        },
      ),
    );
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'default_priority' });
    expect(await stored('key_kpr_default')).toEqual({ d: 'normal', m: 'normal' });
    expect(await auditActions('key_kpr_default')).toEqual([]);
  });

  it('lowering the maximum while the default is raised meanwhile: 400, the stored pair stays in order', async () => {
    await seedPriorities('key_kpr_max', 'normal', 'high');
    const err = await refusal(
      updateKey(
        { ...store, database: afterOther('key_kpr_max', "default_priority = 'high'") },
        'key_kpr_max',
        {
          max_priority: 'normal',
        },
      ),
    );
    expect(err).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await stored('key_kpr_max')).toEqual({ d: 'high', m: 'high' });
  });

  it('a change meanwhile that keeps the pair in order does not stop the write', async () => {
    await seedPriorities('key_kpr_fine', 'normal', 'high');
    const key = await updateKey(
      { ...store, database: afterOther('key_kpr_fine', "max_priority = 'critical'") },
      'key_kpr_fine',
      { default_priority: 'high' },
    );
    expect({ d: key.default_priority, m: key.max_priority }).toEqual({ d: 'high', m: 'critical' });
    expect(await stored('key_kpr_fine')).toEqual({ d: 'high', m: 'critical' });
  });

  it('a change of other fields is not held up by the priority check', async () => {
    await seedPriorities('key_kpr_name', 'normal', 'high');
    const key = await updateKey(
      { ...store, database: afterOther('key_kpr_name', "max_priority = 'normal'") },
      'key_kpr_name',
      { name: 'renamed' },
    );
    expect(key).toMatchObject({ name: 'renamed', default_priority: 'normal', max_priority: 'normal' });
  });
});
