import { describe, expect, it } from 'vitest';
import { staleStateAdvice } from '../../../scripts/lib/stale-state.mjs';
import { localDb, migratedState, startDev, within } from './process-helpers.ts';
import { stopAfterTest } from './stop-after-test.ts';

describe('npm run dev on local state made by an older schema', () => {
  it('stops with one message naming the directory and what to do, and leaves nothing running', async () => {
    // Every migration recorded as applied, but a table that no longer has a column the schema has now:
    // what a migration edited after it ran leaves behind.
    const persistDir = await migratedState('dev-stale');
    const db = localDb(persistDir);
    db.exec('ALTER TABLE models DROP COLUMN source');
    db.close();
    const dev = await startDev(persistDir);
    stopAfterTest(dev);
    const result = await within(dev.exited, 60_000);
    expect(result?.code, result?.stderr).toBe(1);
    expect(result?.stderr).toContain(`the local database in ${persistDir} does not match the migrations`);
    expect(result?.stderr).toContain('table models has no column named source');
    expect(result?.stderr).toContain('set ECO_PERSIST_DIR to a new directory');
    expect(result?.stderr).not.toMatch(/\n\s+at /);
    expect(await dev.emulatorAnswers()).toBe(false);
  }, 120_000);
});

describe('what counts as state of an older schema', () => {
  it.each([
    [
      '✘ [ERROR] table models has no column named source: SQLITE_ERROR',
      'table models has no column named source',
    ],
    ['\u001b[31m✘ [ERROR] no such table: job_shard_counts\u001b[0m', 'no such table'],
    ['no such column: updated_at: SQLITE_ERROR', 'no such column'],
    ['table pools already exists: SQLITE_ERROR', 'table pools already exists'],
    ['duplicate column name: aliases', 'duplicate column name'],
  ])('%j', (output, quoted) => {
    const advice = staleStateAdvice(output, '/state');
    expect(advice).toContain('the local database in /state does not match the migrations');
    expect(advice).toContain(quoted);
    expect(advice).not.toContain('\u001b');
  });

  it.each(['spawn wrangler ENOENT', 'database is locked', 'Address already in use'])('not %j', (output) => {
    expect(staleStateAdvice(output, '/state')).toBeUndefined();
  });
});
