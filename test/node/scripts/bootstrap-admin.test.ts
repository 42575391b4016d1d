import { describe, expect, it } from 'vitest';
import { bootstrapArgs } from '../../../scripts/lib/bootstrap-args.mjs';
import { wranglerEnvs } from '../../../scripts/lib/wrangler-envs.mjs';
import { spawnScript, within } from './process-helpers.ts';

const ENVS = ['staging', 'production'];

describe('keys:bootstrap arguments', () => {
  it('reads the environments of wrangler.toml', () => {
    expect(wranglerEnvs()).toEqual(ENVS);
  });

  it('takes an environment, or --local with a directory', () => {
    expect(bootstrapArgs(['--env', 'production'], ENVS).options).toMatchObject({
      env: 'production',
      tenant: 'admin',
    });
    expect(
      bootstrapArgs(['--local', '--persist-to', 'x', '--tenant', 'ops.eu:1'], ENVS).options,
    ).toMatchObject({
      local: true,
      'persist-to': 'x',
      tenant: 'ops.eu:1',
    });
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['production'], /Unexpected argument 'production'/],
    [['--env'], /argument missing/],
    [[], /choose --env <environment> or --local/],
    [
      ['--env', 'prodution'],
      /--env 'prodution' is not an environment of wrangler.toml \(staging, production\)/,
    ],
    [['--env', 'production', '--persist-to', '/tmp/x'], /--persist-to goes with --local/],
    [['--env', 'production', '--name', ''], /--name must be 1 to 200 characters/],
    [['--env', 'production', '--name', 'x'.repeat(201)], /--name/],
    [['--env', 'production', '--tenant', 'bad tenant!'], /--tenant must be 1 to 100 letters/],
    [['--env', 'production', '--tenant', ''], /--tenant/],
  ])('refuses %j', (argv, message) => {
    expect(bootstrapArgs(argv, ENVS).error).toMatch(message);
  });

  it('prints a usage error, not a stack trace, and no secret', async () => {
    const { exited } = spawnScript(['scripts/bootstrap-admin.mjs', '--env', 'prodution']);
    const result = await within(exited, 8000);
    expect(result?.code).toBe(2);
    expect(result?.stderr).toContain("keys:bootstrap: --env 'prodution' is not an environment");
    expect(result?.stderr).not.toContain('    at ');
    expect(result?.stdout).not.toContain('eco_sk_');
  }, 10_000);
});
