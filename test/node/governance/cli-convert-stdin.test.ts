import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ecoLintInProcess, REDIS, tempDir } from './eco-lint-run.ts';

/** The installed command with a real pipe on standard input. */
function fromStdinProcess(args: string[], input: string | Buffer, cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    input,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same entry point in this process, `input` as its standard input. */
function fromStdin(args: string[], input: string | Buffer, cwd = tempDir('convert-stdin')) {
  return ecoLintInProcess(args, cwd, input);
}

// `kustomize build | eco-lint convert - | kubectl apply -f -`: standard input in, plain YAML out.
describe('eco-lint convert -', () => {
  it('writes exactly what converting the file writes, and nothing else, to standard output', async () => {
    const dir = tempDir('convert-stdin-file');
    writeFileSync(join(dir, 'redis.qyaml'), REDIS);
    expect((await ecoLintInProcess(['convert', 'redis.qyaml', '--out', 'plain'], dir)).code).toBe(0);
    const { code, stdout, stderr } = fromStdinProcess(['convert', '-'], REDIS, dir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(readFileSync(join(dir, 'plain/redis.yaml'), 'utf8'));
    expect(stdout).toContain('kind: StatefulSet');
    expect(stdout).not.toContain('document_metadata');
  });

  it('reads standard input once however often - is given', async () => {
    const once = await fromStdin(['convert', '-'], REDIS);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain('kind: StatefulSet');
    expect(await fromStdin(['convert', '-', '-'], REDIS)).toEqual(once);
  });

  it('takes a policy', async () => {
    const dir = tempDir('convert-stdin-policy');
    writeFileSync(join(dir, 'policy.yaml'), 'limits: { maxFileBytes: 10 }\n');
    const { code, stdout, stderr } = await fromStdin(['convert', '-', '--policy', 'policy.yaml'], REDIS, dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^<stdin>: cannot convert: input is \d+ bytes, over the limit of 10 characters\n$/,
    );
  });

  it('sends nothing to standard output and exits 1 when the input does not parse', async () => {
    const { code, stdout, stderr } = await fromStdin(['convert', '-'], 'a: 1\n b: 2\n');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('<stdin>:1:4: cannot convert: Nested mappings are not allowed in compact mappings\n');
  });

  it('says so on standard error when no Kubernetes document is left', async () => {
    const { code, stdout, stderr } = await fromStdin(['convert', '-'], 'document_metadata:\n  owner: a\n');
    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: '<stdin>: no Kubernetes documents left\n',
    });
  });

  it('refuses input that is not UTF-8, like lint', async () => {
    const { code, stdout, stderr } = await fromStdin(
      ['convert', '-'],
      Buffer.from([0x6f, 0x3a, 0x20, 0xe9, 0x0a]),
    );
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'eco-lint: <stdin> is not valid UTF-8\n',
    });
  });

  it('refuses --out and other inputs beside it (usage error), before reading anything', async () => {
    const withOut = await fromStdin(['convert', '-', '--out', 'plain'], REDIS);
    expect(withOut.code).toBe(2);
    expect(withOut.stdout).toBe('');
    expect(withOut.stderr).toContain('eco-lint: convert - writes to standard output; --out does not apply\n');
    const mixed = await fromStdin(['convert', '-', 'other.qyaml', '--out', 'plain'], REDIS);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('eco-lint: convert - reads standard input only;');
  });
});
