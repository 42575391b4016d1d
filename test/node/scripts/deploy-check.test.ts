import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deployCheckArgs } from '../../../scripts/lib/deploy-check-args.mjs';
import { eventually, scratchDir, spawnScript, within } from './process-helpers.ts';
import { stopAfterTest } from './stop-after-test.ts';

const ENVS = ['staging', 'production'];

describe('deploy:check arguments', () => {
  it('takes --env NAME and --env=NAME, or nothing', () => {
    expect(deployCheckArgs(['--env', 'staging'], ENVS)).toEqual({ env: 'staging' });
    expect(deployCheckArgs(['--env=production'], ENVS)).toEqual({ env: 'production' });
    expect(deployCheckArgs([], ENVS)).toEqual({ env: undefined });
  });

  it.each([
    [['--env', 'nope'], /'nope' is not an environment/],
    [['--dry'], /Unknown option '--dry'/],
    [['staging'], /Unexpected argument 'staging'/],
  ])('refuses %j', (argv, message) => {
    expect(deployCheckArgs(argv, ENVS).error).toMatch(message);
  });

  // The space form used to be ignored: the top level was checked and reported as passed.
  it('fails on an unknown environment given as `--env NAME`, before running wrangler', async () => {
    const { child, exited } = spawnScript(['scripts/deploy-check.mjs', '--env', 'nope']);
    stopAfterTest({ child, exited });
    // Generous: loading wrangler, before the arguments are read, alone takes seconds on a busy machine.
    const result = await within(exited, 30_000);
    expect(result?.code).toBe(2);
    expect(result?.stderr).toContain("deploy:check: --env 'nope' is not an environment of wrangler.toml");
    expect(result?.stdout).not.toContain('deploy check passed');
  }, 40_000);
});

describe('deploy:check interrupted', () => {
  it('removes its temporary directory on SIGTERM', async () => {
    // Its own TMPDIR, so the check's directory is the only entry there.
    const tmp = scratchDir('deploy-check-test');
    const { child, exited } = spawnScript(['scripts/deploy-check.mjs'], { TMPDIR: tmp });
    stopAfterTest({ child, exited });
    expect(await eventually(() => readdirSync(tmp).length > 0, 30_000)).toBe(true);
    child.kill('SIGTERM');
    const result = await within(exited, 5000);
    expect(result?.code).toBe(143);
    expect(readdirSync(tmp)).toEqual([]);
  }, 40_000);
});
