import { describe, expect, it } from 'vitest';
import { localDb, migratedState, spawnScript, within } from './process-helpers.ts';
import { killAfterTest } from './stop-after-test.ts';

describe('keys:bootstrap --local', () => {
  it('writes into the state `npm run dev` uses: ECO_PERSIST_DIR when set', async () => {
    const persistDir = await migratedState('bootstrap-local');
    const { child, exited } = spawnScript(['scripts/bootstrap-admin.mjs', '--local', '--name', 'local ops'], {
      ECO_PERSIST_DIR: persistDir,
    });
    killAfterTest(child);
    const result = await within(exited, 60_000);
    expect(result?.code, result?.stderr).toBe(0);
    const id = /Admin key (key_[0-9a-f]+) created in local D1 \(([^)]+)\)/.exec(result?.stdout ?? '');
    expect(id?.[2]).toBe(persistDir);
    const db = localDb(persistDir);
    try {
      const rows = db.prepare("SELECT id FROM api_keys WHERE name = 'local ops'").all();
      expect(rows.map((r) => r.id)).toEqual([id![1]]);
    } finally {
      db.close();
    }
  }, 120_000);
});
