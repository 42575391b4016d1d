import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimStateDir, LOCK_FILE } from '../../../scripts/lib/state-lock.mjs';
import { freePort, scratchDir, spawnScript, within } from './process-helpers.ts';
import { stopAfterTest } from './stop-after-test.ts';

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid;
}

describe('the state directory claim', () => {
  it('refuses a second claimant while the first one runs, naming the directory and ECO_PERSIST_DIR', () => {
    const dir = scratchDir('lock-two');
    const release = claimStateDir(dir, process.pid);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    // Another process (the test runner's parent, alive throughout) claiming the same directory.
    expect(() => claimStateDir(dir, process.ppid)).toThrow(
      `the state directory ${dir} is in use by process ${process.pid}`,
    );
    expect(() => claimStateDir(dir, process.ppid)).toThrow('set ECO_PERSIST_DIR to a directory of its own');
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const second = claimStateDir(dir, process.ppid);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.ppid));
    second();
  });

  it('takes over a claim whose process is gone', () => {
    const dir = scratchDir('lock-stale');
    writeFileSync(join(dir, LOCK_FILE), String(deadPid()));
    const release = claimStateDir(dir, process.pid);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('creates the directory when missing, and a release removes only its own claim', () => {
    const dir = join(scratchDir('lock-new'), 'state');
    const release = claimStateDir(dir, process.pid);
    writeFileSync(join(dir, LOCK_FILE), String(process.ppid));
    release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.ppid));
  });

  it('counts a claim without a pid yet as held', () => {
    const dir = scratchDir('lock-empty');
    writeFileSync(join(dir, LOCK_FILE), '');
    expect(() => claimStateDir(dir, process.pid)).toThrow(
      `the state directory ${dir} is in use by another process`,
    );
  });
});

describe('npm run dev on a state directory another stack holds', () => {
  it('refuses before it starts anything and leaves the other claim in place', async () => {
    const dir = scratchDir('lock-dev');
    writeFileSync(join(dir, LOCK_FILE), String(process.pid));
    const dev = spawnScript(['scripts/dev.mjs'], {
      ECO_GATEWAY_PORT: String(await freePort()),
      ECO_EMULATOR_PORT: String(await freePort()),
      ECO_PERSIST_DIR: dir,
    });
    stopAfterTest(dev);
    const result = await within(dev.exited, 8000);
    expect(result?.code, result?.stderr).toBe(1);
    expect(result?.stderr).toContain(`the state directory ${dir} is in use by process ${process.pid}`);
    expect(result?.stderr).toContain('ECO_PERSIST_DIR');
    expect(result?.stderr).not.toContain('applying D1 migrations');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
  }, 12_000);
});
