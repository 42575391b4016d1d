import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecoLintInProcess, PLAIN, REDIS, tempDir } from './eco-lint-run.ts';

function workDir(): string {
  const dir = tempDir('options');
  writeFileSync(join(dir, 'redis.qyaml'), REDIS);
  writeFileSync(join(dir, 'cm.yaml'), PLAIN);
  return dir;
}

/** The first line of stderr: the message, before the usage text. */
function firstLine(stderr: string): string {
  return stderr.split('\n')[0]!;
}

describe('eco-lint refuses options that do not apply to the command', () => {
  const cases: [string[], string][] = [
    [['redis.qyaml', '--out', 'x'], '--out does not apply to lint'],
    [['lint', 'redis.qyaml', '-o', 'x'], '-o (--out) does not apply to lint'],
    [['redis.qyaml', '--namespace', 'eco-base'], '--namespace does not apply to lint'],
    [['redis.qyaml', '--owner', 'me'], '--owner does not apply to lint'],
    [['convert', 'redis.qyaml', '--out', 'out', '--format', 'json'], '--format does not apply to convert'],
    [
      ['convert', 'redis.qyaml', '--out', 'out', '--namespace', 'eco-base'],
      '--namespace does not apply to convert',
    ],
    [['convert', 'redis.qyaml', '--out', 'out', '--owner', 'me'], '--owner does not apply to convert'],
    [['generate', 'cm.yaml', '--format', 'sarif'], '--format does not apply to generate'],
    [['generate', 'cm.yaml', '-f', 'json'], '-f (--format) does not apply to generate'],
  ];
  for (const [args, message] of cases) {
    it(`eco-lint ${args.join(' ')}`, async () => {
      const dir = workDir();
      const { code, stdout, stderr } = await ecoLintInProcess(args, dir);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(firstLine(stderr)).toBe(`eco-lint: option ${message}`);
    });
  }

  it('writes nothing when convert is refused for an option', async () => {
    const dir = workDir();
    await ecoLintInProcess(['convert', 'redis.qyaml', '--out', 'out', '--format', 'json'], dir);
    expect(() => readFileSync(join(dir, 'out', 'redis.yaml'))).toThrow();
  });

  it('refuses an option given twice instead of keeping the last one', async () => {
    const dir = workDir();
    const { code, stderr } = await ecoLintInProcess(
      ['--format', 'json', '--format', 'sarif', 'redis.qyaml'],
      dir,
    );
    expect(code).toBe(2);
    expect(firstLine(stderr)).toBe('eco-lint: option --format is given more than once');
  });

  it('refuses an empty option value instead of falling back to the default', async () => {
    const dir = workDir();
    for (const args of [
      ['--policy=', 'redis.qyaml'],
      ['generate', 'cm.yaml', '--out='],
      ['generate', 'cm.yaml', '--namespace='],
    ]) {
      const { code, stderr } = await ecoLintInProcess(args, dir);
      expect(code).toBe(2);
      expect(firstLine(stderr)).toMatch(/^eco-lint: option --(policy|out|namespace) needs a value$/);
    }
  });

  it('still accepts each command with its own options', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'policy.yaml'), 'rules: {}\n');
    expect(
      (await ecoLintInProcess(['--format', 'json', '--policy', 'policy.yaml', 'redis.qyaml'], dir)).code,
    ).toBe(1);
    expect(
      (await ecoLintInProcess(['convert', 'redis.qyaml', '--out', 'out', '--policy', 'policy.yaml'], dir))
        .code,
    ).toBe(0);
    const generate = ['generate', 'cm.yaml', '--out', 'g.qyaml', '--namespace', 'eco-base', '--owner', 'me'];
    expect((await ecoLintInProcess([...generate, '--policy', 'policy.yaml'], dir)).code).toBe(0);
    expect((await ecoLintInProcess(['--help', '--out', 'x'], dir)).code).toBe(0);
  });

  it('refuses a blank --owner, writing nothing', async () => {
    const dir = workDir();
    for (const owner of [' ', '\t  ']) {
      const { code, stdout, stderr } = await ecoLintInProcess(
        ['generate', 'cm.yaml', '--out', 'g.qyaml', '--owner', owner],
        dir,
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(firstLine(stderr)).toBe('eco-lint: option --owner needs a value that is not blank');
    }
    expect(() => readFileSync(join(dir, 'g.qyaml'))).toThrow();
  });

  it('refuses to generate from a manifest whose output would not lint, writing nothing', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'tagged.yaml'), `${PLAIN}data:\n  a: !Ref x\n`);
    const { code, stdout, stderr } = await ecoLintInProcess(
      ['generate', 'tagged.yaml', '--out', 'g.qyaml'],
      dir,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(firstLine(stderr)).toBe(
      'eco-lint: tagged.yaml: output would not lint clean: 7:6 QY005 tag !Ref is outside the YAML 1.2 core schema: kubectl ignores it, other YAML readers refuse the file',
    );
    expect(() => readFileSync(join(dir, 'g.qyaml'))).toThrow();
  });
});
