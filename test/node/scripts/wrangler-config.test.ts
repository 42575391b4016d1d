import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envCompletenessProblems, placeholderIds } from '../../../scripts/lib/wrangler-config.mjs';
import { ROOT, spawnScript, within } from './process-helpers.ts';
import { stopAfterTest } from './stop-after-test.ts';

const TOP = `name = "w"
[[d1_databases]]
binding = "DB"
database_id = "00000000-0000-0000-0000-000000000000"

[durable_objects]
bindings = [
  { name = "A", class_name = "A" },
]

[vars]
ECO_ONE = "1"
ECO_TWO = "2"
`;

describe('wrangler.toml environments', () => {
  it('repeat every binding and var of the top level (wrangler does not inherit them)', () => {
    expect(envCompletenessProblems()).toEqual([]);
  });

  it('the check names what an environment lacks or adds', () => {
    const toml = `${TOP}
[env.staging]
name = "w-staging"
d1_databases = [
  { binding = "DB", database_id = "6f1c2d3e-0000-4000-8000-000000000001" },
]

[env.staging.vars]
ECO_ONE = "1"
ECO_THREE = "3"

[env.production]
d1_databases = [{ binding = "DB", database_id = "00000000-0000-0000-0000-000000000002" }]
durable_objects = { bindings = [{ name = "A", class_name = "A" }] }
[env.production.vars]
ECO_ONE = "1"
ECO_TWO = "2"
`;
    expect(envCompletenessProblems(toml)).toEqual([
      '[env.staging] has no durable_objects (not inherited from the top level)',
      '[env.staging.vars] has no ECO_TWO (set in [vars])',
      '[env.staging.vars] sets ECO_THREE, which [vars] does not (local dev would differ)',
    ]);
    expect(placeholderIds('staging', toml)).toEqual([]);
    expect(placeholderIds('production', toml)).toEqual(['00000000-0000-0000-0000-000000000002']);
    expect(placeholderIds('', toml)).toEqual(['00000000-0000-0000-0000-000000000000']);
  });
});

describe('deploy:check for an environment', () => {
  it('fails, still reporting the bundle, while the environment has a placeholder D1 id', async () => {
    const toml = readFileSync(`${ROOT}wrangler.toml`, 'utf8');
    const placeholders = placeholderIds('production', toml);
    const { child, exited } = spawnScript(['scripts/deploy-check.mjs', '--env', 'production']);
    stopAfterTest({ child, exited });
    const result = await within(exited, 110_000);
    if (placeholders.length === 0) {
      expect(result?.code, result?.stderr).toBe(0);
      return;
    }
    expect(result?.code, result?.stderr).toBe(1);
    expect(result?.stderr).toMatch(/deploy check failed \(production\): bundle [\d.]+ KiB, gzip [\d.]+ KiB/);
    expect(result?.stderr).toContain(`placeholder D1 database_id ${placeholders.join(', ')}`);
    expect(result?.stdout).not.toContain('deploy check passed');
  }, 120_000);
});
