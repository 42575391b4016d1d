import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, tempDir } from './eco-lint-run.ts';

// A Worker isolate has 128 MB. The linter runs here in a 96 MB heap: a file the parser would need
// half a gigabyte for is refused before parsing, and a run keeps no file's parsed documents once that
// file is checked, so its memory is bounded by its largest file, not by the sum of them (one of the
// files below needs a heap of 40 to 56 MB on its own; eight held at once would need several times 96).
const HEAP_MB = 96;

function lintInSmallHeap(dir: string) {
  const result = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, BIN, '--format', 'json', dir],
    {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

type Report = { files: { diagnostics: { rule: string; message: string }[] }[] };

describe('memory stays bounded by the limits', () => {
  it('refuses a 1 MB flow list as hostile input instead of running out of memory', () => {
    const dir = tempDir('memory-one');
    writeFileSync(join(dir, 'list.qyaml'), `[${'a,'.repeat(500_000)}a]\n`);
    const run = lintInSmallHeap(dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.files[0]?.diagnostics.map((d) => [d.rule, d.message])).toEqual([
      ['QY002', 'file holds more than 100000 YAML tokens (the limit)'],
    ]);
  }, 60_000);

  it('refuses two million double quotes (a million empty scalars) before parsing them', () => {
    const dir = tempDir('memory-quotes');
    writeFileSync(join(dir, 'quotes.qyaml'), '"'.repeat(2_000_000));
    const run = lintInSmallHeap(dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.files[0]?.diagnostics.map((d) => [d.rule, d.message])).toEqual([
      ['QY002', 'file holds more than 100000 YAML tokens (the limit)'],
    ]);
  }, 60_000);

  it('lints many files each within the limits in one run', () => {
    const dir = tempDir('memory-many');
    const content = `[${'a,'.repeat(49_000)}a]\n`;
    for (let i = 0; i < 8; i++) writeFileSync(join(dir, `list-${i}.qyaml`), content);
    const run = lintInSmallHeap(dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.files).toHaveLength(8);
    for (const file of report.files) {
      expect(file.diagnostics.map((d) => d.rule)).toEqual(['QY010', 'QY010', 'QY010', 'QY010']);
    }
  }, 60_000);
});
