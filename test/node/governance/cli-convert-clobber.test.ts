import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecoLintInProcess, PLAIN, REDIS, tempDir } from './eco-lint-run.ts';

function workDir(): string {
  return tempDir('clobber');
}

describe('eco-lint convert never overwrites its inputs', () => {
  it('refuses when a .qyaml file would be written over a .yaml input in the same directory', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    writeFileSync(join(dir, 'app.yaml'), PLAIN);
    const { code, stdout, stderr } = await ecoLintInProcess(
      ['convert', 'app.qyaml', 'app.yaml', '--out', '.'],
      dir,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'eco-lint: app.qyaml would be written to app.yaml, which is an input; choose another --out\n',
    );
    expect(readFileSync(join(dir, 'app.yaml'), 'utf8')).toBe(PLAIN);
    expect(readdirSync(dir).sort()).toEqual(['app.qyaml', 'app.yaml']);
  });

  it('refuses when a glob over a directory is converted into that directory', async () => {
    const dir = workDir();
    mkdirSync(join(dir, 'k8s'));
    writeFileSync(join(dir, 'k8s', 'redis.qyaml'), REDIS);
    writeFileSync(join(dir, 'k8s', 'redis.yaml'), PLAIN);
    const { code, stderr } = await ecoLintInProcess(['convert', 'k8s/*', '--out', 'k8s'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'eco-lint: k8s/redis.qyaml would be written to k8s/redis.yaml, which is an input; choose another --out\n',
    );
    expect(readFileSync(join(dir, 'k8s', 'redis.yaml'), 'utf8')).toBe(PLAIN);
  });

  it('refuses an output reached through a symbolic link to an input (real paths are compared)', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    writeFileSync(join(dir, 'keep.yaml'), PLAIN);
    mkdirSync(join(dir, 'out'));
    symlinkSync(join(dir, 'keep.yaml'), join(dir, 'out', 'app.yaml'));
    const { code, stderr } = await ecoLintInProcess(
      ['convert', 'app.qyaml', 'keep.yaml', '--out', 'out'],
      dir,
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      `eco-lint: app.qyaml would be written to ${join('out', 'app.yaml')}, which is an input; choose another --out\n`,
    );
    expect(readFileSync(join(dir, 'keep.yaml'), 'utf8')).toBe(PLAIN);
  });

  it('refuses an output that is a hard link to an input', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    writeFileSync(join(dir, 'keep.yaml'), PLAIN);
    mkdirSync(join(dir, 'out'));
    linkSync(join(dir, 'keep.yaml'), join(dir, 'out', 'app.yaml'));
    const { code, stderr } = await ecoLintInProcess(
      ['convert', 'app.qyaml', 'keep.yaml', '--out', 'out'],
      dir,
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      `eco-lint: app.qyaml would be written to ${join('out', 'app.yaml')}, which is an input; choose another --out\n`,
    );
    expect(readFileSync(join(dir, 'keep.yaml'), 'utf8')).toBe(PLAIN);
  });

  it('refuses two outputs that are dangling links to one new file', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'a.qyaml'), REDIS);
    writeFileSync(join(dir, 'b.qyaml'), REDIS.replace(/unique_id: "[^"]*"/, 'unique_id: "x"'));
    mkdirSync(join(dir, 'out'));
    symlinkSync(join(dir, 'shared.yaml'), join(dir, 'out', 'a.yaml'));
    symlinkSync(join(dir, 'shared.yaml'), join(dir, 'out', 'b.yaml'));
    const { code, stderr } = await ecoLintInProcess(['convert', 'a.qyaml', 'b.qyaml', '--out', 'out'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe(`eco-lint: a.qyaml and b.qyaml would both be written to ${join('out', 'a.yaml')}\n`);
    expect(existsSync(join(dir, 'shared.yaml'))).toBe(false);
  });

  it('refuses an output path that is a directory, before writing anything', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'a.qyaml'), REDIS);
    writeFileSync(join(dir, 'b.qyaml'), REDIS);
    mkdirSync(join(dir, 'out', 'b.yaml'), { recursive: true });
    const { code, stderr } = await ecoLintInProcess(['convert', 'a.qyaml', 'b.qyaml', '--out', 'out'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `eco-lint: b.qyaml would be written to ${join('out', 'b.yaml')}, which is a directory\n`,
    );
    expect(existsSync(join(dir, 'out', 'a.yaml'))).toBe(false);
  });

  it('refuses an output that is the policy file', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'app.yaml'), 'rules: {}\n');
    const { code, stderr } = await ecoLintInProcess(
      ['convert', 'app.qyaml', '--out', 'out', '--policy', 'out/app.yaml'],
      dir,
    );
    expect(code).toBe(2);
    expect(stderr).toBe(
      `eco-lint: app.qyaml would be written to ${join('out', 'app.yaml')}, which is an input; choose another --out\n`,
    );
    expect(readFileSync(join(dir, 'out', 'app.yaml'), 'utf8')).toBe('rules: {}\n');
  });

  it('refuses an --out that names an input file', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    const { code, stdout, stderr } = await ecoLintInProcess(
      ['convert', 'app.qyaml', '--out', 'app.qyaml'],
      dir,
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('eco-lint: --out app.qyaml is an input file, not a directory\n');
    expect(readFileSync(join(dir, 'app.qyaml'), 'utf8')).toBe(REDIS);
  });

  it('refuses an --out that is a file, before writing anything', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const { code, stderr } = await ecoLintInProcess(['convert', 'app.qyaml', '--out', 'notes.txt'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('eco-lint: --out notes.txt is not a directory\n');
  });

  it('refuses two outputs that are one real file, before writing anything', async () => {
    const dir = workDir();
    for (const env of ['one', 'two']) {
      mkdirSync(join(dir, 'src', env), { recursive: true });
      writeFileSync(join(dir, 'src', env, 'redis.qyaml'), REDIS);
    }
    mkdirSync(join(dir, 'out', 'one'), { recursive: true });
    symlinkSync(join(dir, 'out', 'one'), join(dir, 'out', 'two'));
    const { code, stdout, stderr } = await ecoLintInProcess(['convert', 'src', '--out', 'out'], dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `eco-lint: ${join('src', 'one', 'redis.qyaml')} and ${join('src', 'two', 'redis.qyaml')} would both be written to ${join('out', 'one', 'redis.yaml')}\n`,
    );
    expect(readdirSync(join(dir, 'out', 'one'))).toEqual([]);
  });

  it('still converts into the directory of its .qyaml inputs when nothing is overwritten', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'app.qyaml'), REDIS);
    const { code } = await ecoLintInProcess(['convert', 'app.qyaml', '--out', '.'], dir);
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'app.yaml'))).toBe(true);
  });
});

describe('eco-lint generate never overwrites its input', () => {
  it('refuses --out naming the manifest', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'cm.yaml'), PLAIN);
    const { code, stderr } = await ecoLintInProcess(['generate', 'cm.yaml', '--out', 'cm.yaml'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('eco-lint: --out cm.yaml is an input; choose another file\n');
    expect(readFileSync(join(dir, 'cm.yaml'), 'utf8')).toBe(PLAIN);
  });

  it('refuses --out that is a link to the manifest', async () => {
    const dir = workDir();
    writeFileSync(join(dir, 'cm.yaml'), PLAIN);
    symlinkSync(join(dir, 'cm.yaml'), join(dir, 'link.yaml'));
    const { code, stderr } = await ecoLintInProcess(['generate', 'cm.yaml', '--out', 'link.yaml'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('eco-lint: --out link.yaml is an input; choose another file\n');
    expect(readFileSync(join(dir, 'cm.yaml'), 'utf8')).toBe(PLAIN);
  });
});
