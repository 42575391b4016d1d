import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecoLintInProcess, REDIS, tempDir } from './eco-lint-run.ts';

function workDir(): string {
  const dir = tempDir('empty');
  mkdirSync(join(dir, 'k8s'));
  writeFileSync(join(dir, 'k8s', 'redis.qyaml'), REDIS);
  return dir;
}

describe('eco-lint with a directory that holds no .qyaml file', () => {
  it('exits 2 naming an empty directory given next to other inputs', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'empty'));
    const { code, stdout, stderr } = await ecoLintInProcess(['--format', 'json', 'k8s', 'empty'], dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('eco-lint: no .qyaml files found in empty\n');
  });

  it('exits 2 for a directory that holds only other files', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'plain'));
    writeFileSync(join(dir, 'plain', 'redis.yaml'), 'a: 1\n');
    const { code, stderr } = await ecoLintInProcess(['k8s/redis.qyaml', 'plain'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('eco-lint: no .qyaml files found in plain\n');
  });

  it('still skips empty directories found inside a directory being searched', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'k8s', 'empty'));
    const { code, stdout } = await ecoLintInProcess(['--format', 'json', 'k8s'], dir);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).summary.files).toBe(1);
  });
});
