import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimStateDir, LOCK_FILE, TAKEOVER_DIR } from '../../../scripts/lib/state-lock.mjs';
import { scratchDir } from './process-helpers.ts';

// Two stacks starting at once on a directory whose lock was left by a killed stack: both find it
// stale, and only one may take it over. The other must not delete the winner's fresh claim.

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

const holderIn = (dir: string) => readFileSync(join(dir, LOCK_FILE), 'utf8');

describe('taking over a stale state directory claim', () => {
  it('a claimant that found the lock stale, while another took it over first, is refused and leaves the claim', () => {
    const dir = scratchDir('lock-takeover-race');
    writeFileSync(join(dir, LOCK_FILE), String(deadPid()));
    let winner: (() => void) | undefined;
    // The test runner's parent stands for the first stack (alive throughout); this process for the second.
    const late = () =>
      claimStateDir(dir, process.pid, {
        beforeTakeover: () => {
          winner = claimStateDir(dir, process.ppid);
        },
      });
    expect(late).toThrow(`is in use by process ${process.ppid}`);
    expect(holderIn(dir)).toBe(String(process.ppid));
    expect(existsSync(join(dir, TAKEOVER_DIR))).toBe(false);
    winner!();
  });

  it('a claimant that finds another mid-takeover is refused', () => {
    const dir = scratchDir('lock-takeover-busy');
    const stale = String(deadPid());
    writeFileSync(join(dir, LOCK_FILE), stale);
    mkdirSync(join(dir, TAKEOVER_DIR));
    expect(() => claimStateDir(dir, process.pid)).toThrow('is in use by');
    expect(holderIn(dir)).toBe(stale);
  });

  it('a takeover left behind by a killed claimant does not block the directory for good', () => {
    const dir = scratchDir('lock-takeover-abandoned');
    writeFileSync(join(dir, LOCK_FILE), String(deadPid()));
    const guard = join(dir, TAKEOVER_DIR);
    mkdirSync(guard);
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    const release = claimStateDir(dir, process.pid);
    expect(holderIn(dir)).toBe(String(process.pid));
    expect(existsSync(guard)).toBe(false);
    release();
  });
});
