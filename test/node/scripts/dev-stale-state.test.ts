import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { staleStateAdvice } from '../../../scripts/lib/stale-state.mjs';
import { freePort, killAll, ROOT, spawnScript, within } from './process-helpers.ts';

const exec = promisify(execFile);
const persistDir = mkdtempSync(join(tmpdir(), 'eco-dev-stale-'));
afterAll(() => rmSync(persistDir, { recursive: true, force: true }));

const wrangler = (args: string[]) =>
  exec(`${ROOT}node_modules/.bin/wrangler`, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${ROOT}node_modules/.bin:${process.env.PATH ?? ''}`,
      WRANGLER_SEND_METRICS: 'false',
    },
    timeout: 60_000,
  });

describe('npm run dev on local state made by an older schema', () => {
  it('stops with one message naming the directory and what to do, and leaves nothing running', async () => {
    // Every migration recorded as applied, but a table that no longer has a column the schema has now:
    // what a migration edited after it ran leaves behind.
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir]);
    await wrangler([
      'd1',
      'execute',
      'DB',
      '--local',
      '--persist-to',
      persistDir,
      '--command',
      'ALTER TABLE models DROP COLUMN source',
    ]);
    const gatewayPort = await freePort();
    const emulatorPort = await freePort();
    const { child, exited } = spawnScript(['scripts/dev.mjs'], {
      ECO_GATEWAY_PORT: String(gatewayPort),
      ECO_EMULATOR_PORT: String(emulatorPort),
      ECO_PERSIST_DIR: persistDir,
    });
    try {
      const result = await within(exited, 60_000);
      expect(result?.code, result?.stderr).toBe(1);
      expect(result?.stderr).toContain(`the local database in ${persistDir} does not match the migrations`);
      expect(result?.stderr).toContain('table models has no column named source');
      expect(result?.stderr).toContain('set ECO_PERSIST_DIR to a new directory');
      expect(result?.stderr).not.toMatch(/\n\s+at /);
      const control = await fetch(`http://127.0.0.1:${emulatorPort}/_control/origins`).then(
        () => 'answering',
        () => 'gone',
      );
      expect(control).toBe('gone');
    } finally {
      killAll(child, []);
    }
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
