import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecoLintInProcess, REDIS, tempDir } from './eco-lint-run.ts';

// kubectl refuses a control character anywhere in a manifest; CI must fail on it before deploying.
describe('eco-lint and non-printable characters', () => {
  it('fails the run with the character position, on one report line', async () => {
    const dir = tempDir('nonprint');
    const content = REDIS.replace('  owner: platform-team', '  owner: platform\u001b[2Kteam');
    writeFileSync(join(dir, 'a.qyaml'), content);
    const result = await ecoLintInProcess(['a.qyaml'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error   QY001  non-printable character U+001B is not allowed in YAML');
    expect(result.stdout).not.toContain('\u001b');
  });
});
