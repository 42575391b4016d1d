import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootstrapArgs } from '../../../scripts/lib/bootstrap-args.mjs';
import { wranglerEnvs } from '../../../scripts/lib/wrangler-envs.mjs';
import { scratchDir, spawnScript, within } from './process-helpers.ts';
import { killAfterTest } from './stop-after-test.ts';

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
    const { child, exited } = spawnScript(['scripts/bootstrap-admin.mjs', '--env', 'prodution']);
    killAfterTest(child);
    const result = await within(exited, 8000);
    expect(result?.code).toBe(2);
    expect(result?.stderr).toContain("keys:bootstrap: --env 'prodution' is not an environment");
    expect(result?.stderr).not.toContain('    at ');
    expect(result?.stdout).not.toContain('eco_sk_');
  }, 10_000);
});

// On a fresh clone `keys:bootstrap -- --local` may come before the first `npm run dev`, or name a state
// directory with a typo: wrangler would make an empty database there and fail on a missing table.
describe('keys:bootstrap --local without the state npm run dev made', () => {
  it('refuses a state directory that does not exist, creating nothing and printing no secret', async () => {
    const missing = join(scratchDir('bootstrap-missing'), 'state');
    const { child, exited } = spawnScript([
      'scripts/bootstrap-admin.mjs',
      '--local',
      '--persist-to',
      missing,
    ]);
    killAfterTest(child);
    const result = await within(exited, 8000);
    expect(result?.code).toBe(1);
    expect(result?.stderr).toContain(
      `keys:bootstrap: ${missing} does not exist: run npm run dev once (it makes the local state and applies the migrations)`,
    );
    expect(result?.stdout).not.toContain('eco_sk_');
    expect(existsSync(missing)).toBe(false);
  }, 10_000);

  it('says to apply the migrations when the state has no api_keys table', async () => {
    const empty = scratchDir('bootstrap-empty');
    const { child, exited } = spawnScript(['scripts/bootstrap-admin.mjs', '--local', '--persist-to', empty]);
    killAfterTest(child);
    const result = await within(exited, 60_000);
    expect(result?.code).toBe(1);
    expect(result?.stderr).toContain(
      `keys:bootstrap: the local database in ${empty} has no api_keys table: run npm run dev once (it applies the migrations); no key was created`,
    );
    expect(result?.stdout).not.toContain('eco_sk_');
  }, 70_000);
});
