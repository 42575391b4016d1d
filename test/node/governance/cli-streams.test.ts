import { spawnSync } from 'node:child_process';
import { existsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CORPUS, ecoLintInProcess, REDIS, tempDir } from './eco-lint-run.ts';

const CLEAN_REDIS = REDIS.replace(/unique_id: .*/, 'unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"');

// In this process; the non-UTF-8 case below reads a real pipe.
function fromStdin(args: string[], input: string, cwd = tempDir('stdin')) {
  return ecoLintInProcess(args, cwd, input);
}

// CI jobs pipe rendered manifests (helm template, kustomize build, git show) straight into the linter.
describe('eco-lint reads standard input for -', () => {
  it('lints what arrives on stdin and names it <stdin>', async () => {
    const { code, stdout } = await fromStdin(['--format', 'json', '-'], REDIS);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { files: { path: string; diagnostics: { rule: string }[] }[] };
    expect(report.files.map((f) => f.path)).toEqual(['<stdin>']);
    expect(report.files[0]!.diagnostics.map((d) => d.rule)).toContain('QY020');
  });

  it('shows source lines from stdin in the text report', async () => {
    const { code, stdout } = await fromStdin(['-'], REDIS);
    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe('<stdin>');
    expect(stdout).toMatch(/\| +\^/);
  });

  it('exits 0 for clean input, and lints files given beside it in the same run', async () => {
    const dir = tempDir('stdin-mix');
    writeFileSync(join(dir, 'copy.qyaml'), CLEAN_REDIS);
    const { code, stdout } = await fromStdin(['--format', 'json', '-', 'copy.qyaml'], CLEAN_REDIS, dir);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { files: { path: string; diagnostics: { rule: string }[] }[] };
    expect(report.files.map((f) => f.path)).toEqual(['<stdin>', 'copy.qyaml']);
    // The same document twice in one run: the later copy repeats the unique_id.
    expect(report.files[1]!.diagnostics.map((d) => d.rule)).toContain('QY060');
    expect((await fromStdin(['-'], CLEAN_REDIS)).code).toBe(0);
  });

  it('refuses stdin that is not UTF-8', () => {
    const result = spawnSync(process.execPath, [BIN, '-'], {
      input: Buffer.from([0x6f, 0x3a, 0x20, 0xe9, 0x0a]),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('eco-lint: <stdin> is not valid UTF-8\n');
  });
});

describe('eco-lint and huge files', () => {
  it('reports a file far over the size limit as QY002 without reading it', async () => {
    const dir = tempDir('huge');
    // Sparse: 600 MB on paper, nothing on disk. Reading it whole would exceed what a string can hold.
    writeFileSync(join(dir, 'huge.qyaml'), '');
    truncateSync(join(dir, 'huge.qyaml'), 600 * 1024 * 1024);
    const { code, stdout, stderr } = await ecoLintInProcess(['--format', 'json', 'huge.qyaml'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { files: { diagnostics: { rule: string; message: string }[] }[] };
    expect(report.files[0]!.diagnostics).toEqual([
      expect.objectContaining({
        rule: 'QY002',
        message: 'file is 629145600 bytes, over the limit of 2097152 characters',
      }),
    ]);
  });

  it('refuses a file far over the size limit to convert, generate or take as policy without reading it', async () => {
    const dir = tempDir('huge-inputs');
    const size = 64 * 1024 * 1024;
    writeFileSync(join(dir, 'huge.qyaml'), '');
    truncateSync(join(dir, 'huge.qyaml'), size);
    const over = `is ${size} bytes, over the limit of 2097152 characters`;
    expect(await ecoLintInProcess(['convert', 'huge.qyaml', '--out', 'out'], dir)).toEqual({
      code: 1,
      stdout: '',
      stderr: `huge.qyaml: cannot convert: file ${over}\n`,
    });
    expect(await ecoLintInProcess(['generate', 'huge.qyaml'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: `eco-lint: huge.qyaml ${over}\n`,
    });
    const policy = await ecoLintInProcess(['--policy', 'huge.qyaml', 'huge.qyaml'], dir);
    expect([policy.code, policy.stdout, policy.stderr]).toEqual([2, '', `eco-lint: huge.qyaml ${over}\n`]);
  });
});

describe('eco-lint output into a pipe that closes early', () => {
  it('stops quietly and keeps its exit code when the reader goes away (| head)', () => {
    const script = `node "${BIN}" --format sarif "${CORPUS}" "${CORPUS}/k8s" | head -c 10 >/dev/null; echo "exit=\${PIPESTATUS[0]}"`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('exit=1\n');
  });
});

describe('eco-lint when the report cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('exits 2 with one line, not 1 with a stack trace', () => {
    const script = `node "${BIN}" "${CORPUS}" > /dev/full`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('eco-lint: cannot write the report: ENOSPC: no space left on device, write\n');
  });
});
