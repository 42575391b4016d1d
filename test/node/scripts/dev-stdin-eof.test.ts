import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  alive,
  eventually,
  killAll,
  migratedState,
  pidIn,
  scratchDir,
  spawnScript,
  startDev,
  within,
} from './process-helpers.ts';

const FIXTURE = 'test/node/scripts/fixtures/supervised.mjs';

let cleanup: (() => void | Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** Poll (bounded) an async check until it holds; false when it never did. */
async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('a supervisor told to stop when its stdin ends', () => {
  it('stops its children when the process holding the other end of the pipe is killed outright', async () => {
    const dir = scratchDir('stdin-holder');
    // The holder pipes the supervisor's stdin and is then SIGKILLed: nothing of it runs to stop anything.
    const holder = `
      const child = require('node:child_process').spawn(
        process.execPath,
        ${JSON.stringify([FIXTURE, 'signal-during-step', dir])},
        { stdio: ['pipe', 'ignore', 'inherit'], env: { ...process.env, ECO_DEV_EXIT_ON_STDIN_EOF: '1' } },
      );
      require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'supervisor.pid'))}, String(child.pid));
      setInterval(() => {}, 1000);`;
    const { child, exited } = spawnScript(['-e', holder]);
    const pid = (tag: string) => pidIn(join(dir, `${tag}.pid`));
    cleanup = () => killAll(child, ['supervisor', 'alpha', 'step', 'beta'].map(pid));
    expect(await eventually(() => pid('step') !== undefined && pid('alpha') !== undefined, 5000)).toBe(true);
    // The holder alone, not its process group (which the supervisor shares).
    child.kill('SIGKILL');
    await exited;
    expect(await eventually(() => !alive(pid('alpha')!) && !alive(pid('step')!), 5000)).toBe(true);
    expect(pid('beta')).toBeUndefined();
  }, 10_000);
});

describe('npm run dev with ECO_DEV_EXIT_ON_STDIN_EOF=1', () => {
  it('stops every child and gives up its state directory when its stdin ends', async () => {
    const persistDir = await migratedState('dev-stdin-eof');
    const dev = await startDev(persistDir);
    // Should it still run, its SIGTERM handler stops its children (in groups of their own); then the group goes.
    cleanup = async () => {
      if (dev.child.exitCode === null && dev.child.signalCode === null) {
        dev.child.kill('SIGTERM');
        await within(dev.exited, 8000);
      }
      killAll(dev.child, []);
    };
    expect(await eventuallyAsync(() => dev.emulatorAnswers(), 60_000)).toBe(true);
    expect(existsSync(join(persistDir, 'dev.lock'))).toBe(true);
    dev.child.stdin?.end();
    const result = await within(dev.exited, 20_000);
    expect(result?.code, result?.stderr).toBe(0);
    expect(result?.stderr).toContain('standard input ended: stopping');
    expect(await dev.emulatorAnswers()).toBe(false);
    expect(existsSync(join(persistDir, 'dev.lock'))).toBe(false);
  }, 90_000);
});
