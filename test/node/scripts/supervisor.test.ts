import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, eventually, killAll, pidIn, scratchDir, spawnScript, within } from './process-helpers.ts';

const FIXTURE = 'test/node/scripts/fixtures/supervised.mjs';
const TAGS = ['alpha', 'beta', 'leader', 'helper', 'step'];

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function supervised(mode: string) {
  const dir = scratchDir('supervisor');
  const run = spawnScript([FIXTURE, mode, dir]);
  const pid = (tag: string) => pidIn(join(dir, `${tag}.pid`));
  /** Whether the supervisor started beta (recorded by the fixture before it could exit). */
  const betaStarted = () => existsSync(join(dir, 'beta.started'));
  cleanup = () => {
    killAll(run.child, [...TAGS.map(pid), pidIn(join(dir, 'beta.started'))]);
  };
  return { ...run, pid, betaStarted };
}

describe('the dev stack supervisor', () => {
  it('stops the other children and exits 1 naming the one that died', async () => {
    const { exited, pid } = supervised('service-dies');
    const result = await within(exited, 8000);
    expect(result?.code, result?.stderr).toBe(1);
    expect(result?.stderr).toContain('beta exited unexpectedly (exit code 3)');
    expect(await eventually(() => !alive(pid('alpha')!), 2000)).toBe(true);
  }, 10_000);

  it('stops what a child that exited left running in its process group', async () => {
    const { exited, pid } = supervised('leader-leaves-child');
    const result = await within(exited, 8000);
    expect(result?.stderr).toContain('gamma exited unexpectedly (exit code 1)');
    expect(pid('helper')).toBeDefined();
    expect(await eventually(() => !alive(pid('helper')!), 2000)).toBe(true);
  }, 10_000);

  it('a service stopped on purpose stops nothing else, and a stop still reaches its successor', async () => {
    const { child, exited, pid } = supervised('retire-and-restart');
    expect(await eventually(() => pid('beta') !== undefined, 5000)).toBe(true);
    // Beta started at all only because retiring alpha did not stop the stack (a stopping one starts nothing).
    expect(alive(pid('alpha')!)).toBe(false);
    child.kill('SIGTERM');
    const result = await within(exited, 8000);
    expect(result?.code, result?.stderr).toBe(0);
    expect(result?.stderr).not.toContain('exited unexpectedly');
    expect(await eventually(() => !alive(pid('beta')!), 2000)).toBe(true);
  }, 10_000);

  it('on SIGTERM during a startup step stops what started so far and starts nothing more', async () => {
    const { child, exited, pid, betaStarted } = supervised('signal-during-step');
    expect(await eventually(() => pid('step') !== undefined && pid('alpha') !== undefined, 5000)).toBe(true);
    child.kill('SIGTERM');
    const result = await within(exited, 8000);
    expect(result?.code, result?.stderr).toBe(0);
    expect(await eventually(() => !alive(pid('alpha')!) && !alive(pid('step')!), 2000)).toBe(true);
    // Nothing after the step ever started.
    expect(betaStarted()).toBe(false);
    expect(pid('beta')).toBeUndefined();
  }, 10_000);

  // Closing the terminal sends SIGHUP; the children, in process groups of their own, never get it.
  it('on SIGHUP stops its children too', async () => {
    const { child, exited, pid } = supervised('signal-during-step');
    expect(await eventually(() => pid('step') !== undefined && pid('alpha') !== undefined, 5000)).toBe(true);
    child.kill('SIGHUP');
    const result = await within(exited, 8000);
    expect(result?.code, result?.stderr).toBe(0);
    expect(result?.stderr).toContain('SIGHUP: stopping');
    expect(await eventually(() => !alive(pid('alpha')!) && !alive(pid('step')!), 2000)).toBe(true);
  }, 10_000);
});
