import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, spawnScript, within } from './process-helpers.ts';

const exec = promisify(execFile);
const persistDir = mkdtempSync(join(tmpdir(), 'eco-bootstrap-local-'));
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

describe('keys:bootstrap --local', () => {
  it('writes into the state `npm run dev` uses: ECO_PERSIST_DIR when set', async () => {
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir]);
    const { exited } = spawnScript(['scripts/bootstrap-admin.mjs', '--local', '--name', 'local ops'], {
      ECO_PERSIST_DIR: persistDir,
    });
    const result = await within(exited, 60_000);
    expect(result?.code, result?.stderr).toBe(0);
    const id = /Admin key (key_[0-9a-f]+) created in local D1 \(([^)]+)\)/.exec(result?.stdout ?? '');
    expect(id?.[2]).toBe(persistDir);
    const { stdout } = await wrangler([
      'd1',
      'execute',
      'DB',
      '--local',
      '--persist-to',
      persistDir,
      '--json',
      '--command',
      "SELECT id, name FROM api_keys WHERE name = 'local ops'",
    ]);
    const rows = (JSON.parse(stdout) as { results: { id: string }[] }[])[0]!.results;
    expect(rows.map((r) => r.id)).toEqual([id![1]]);
  }, 120_000);
});
