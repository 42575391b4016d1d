import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecoLintInProcess, REDIS, tempDir } from './eco-lint-run.ts';

function workDir(): string {
  return tempDir('inputs');
}

describe('eco-lint input files', () => {
  it('refuses a file that is not UTF-8 instead of linting replacement characters', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'latin1.qyaml'), Buffer.from([...Buffer.from('owner: caf'), 0xe9, 0x0a]));
    const { code, stdout, stderr } = await ecoLintInProcess(['--format', 'json', 'latin1.qyaml'], dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('eco-lint: latin1.qyaml is not valid UTF-8\n');
  });

  it('names UTF-16 (what PowerShell 5 writes with `>`) when refusing a file', async () => {
    const dir = workDir();
    const text = 'kind: ConfigMap\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(0, le.length).swap16());
    writeFileSync(join(dir, 'le.qyaml'), le);
    writeFileSync(join(dir, 'be.qyaml'), be);
    for (const name of ['le.qyaml', 'be.qyaml']) {
      const { code, stdout, stderr } = await ecoLintInProcess([name], dir);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `eco-lint: ${name} is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8; save it as UTF-8\n`,
      );
    }
  });

  it('refuses a path that is not a regular file instead of waiting on it', async () => {
    const dir = workDir();
    const fifo = spawnSync('mkfifo', [join(dir, 'pipe.qyaml')]);
    if (fifo.status !== 0) return;
    const { code, stderr } = await ecoLintInProcess(['pipe.qyaml'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('eco-lint: pipe.qyaml is not a regular file\n');
  });

  it('follows symbolic links to files and directories, and survives a link loop', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'redis.qyaml'), REDIS);
    mkdirSync(join(dir, 'tree'));
    symlinkSync(join(dir, 'real', 'redis.qyaml'), join(dir, 'tree', 'linked.qyaml'));
    symlinkSync(join(dir, 'real'), join(dir, 'tree', 'shared'));
    symlinkSync(join(dir, 'tree'), join(dir, 'tree', 'loop'));
    const { code, stdout } = await ecoLintInProcess(['--format', 'json', 'tree'], dir);
    expect(code).toBe(1);
    const paths = (JSON.parse(stdout) as { files: { path: string }[] }).files.map((f) => f.path);
    // Both links lead to one real file, which is linted once, under its first path.
    expect(paths).toEqual(['tree/linked.qyaml']);
  });
});

describe('eco-lint convert inputs', () => {
  it('exits 2 when a directory holds no .qyaml file', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'empty'));
    const { code, stderr } = await ecoLintInProcess(['convert', 'empty', '--out', 'out'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('eco-lint: no .qyaml files found in empty\n');
  });

  it('refuses inputs that would overwrite each other, before writing anything', async () => {
    const dir = workDir();
    for (const env of ['staging', 'production']) {
      mkdirSync(join(dir, env));
      writeFileSync(join(dir, env, 'redis.qyaml'), REDIS);
    }
    const { code, stdout, stderr } = await ecoLintInProcess(
      ['convert', 'staging/redis.qyaml', 'production/redis.qyaml', '--out', 'out'],
      dir,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `eco-lint: staging/redis.qyaml and production/redis.qyaml would both be written to ${join('out', 'redis.yaml')}\n`,
    );
  });

  it('mirrors the layout under a glob base', async () => {
    const dir = workDir();
    for (const env of ['staging', 'production']) {
      mkdirSync(join(dir, 'k8s', env), { recursive: true });
      writeFileSync(join(dir, 'k8s', env, 'redis.qyaml'), REDIS);
    }
    const { code } = await ecoLintInProcess(['convert', 'k8s/**/redis.qyaml', '--out', 'out'], dir);
    expect(code).toBe(0);
    for (const env of ['staging', 'production']) {
      expect(readFileSync(join(dir, 'out', env, 'redis.yaml'), 'utf8')).toContain('kind: Service');
    }
  });
});
