import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateGovernance } from '../../../governance/index.ts';
import { ecoLintInProcess, tempDir } from './eco-lint-run.ts';

const _BIN = fileURLToPath(new URL('../../../bin/eco-lint.mjs', import.meta.url));

/** A directory with one file that lints clean. */
function cleanTree(): string {
  const dir = tempDir('overlap');
  const generated = generateGovernance('kind: ConfigMap\nmetadata:\n  name: c\n  namespace: eco-base\n');
  if (!generated.ok) throw new Error(generated.error);
  mkdirSync(join(dir, 'k8s'));
  writeFileSync(join(dir, 'k8s', 'c.qyaml'), generated.output);
  return dir;
}

function paths(stdout: string): string[] {
  return (JSON.parse(stdout) as { files: { path: string }[] }).files.map((file) => file.path);
}

// One file reached twice must be linted once, or it reports its own unique_id as a duplicate (QY060).
describe('eco-lint inputs that name one file twice', () => {
  it('lints a file once when a directory and a ./ path both cover it', async () => {
    const dir = cleanTree();
    const { code, stdout } = await ecoLintInProcess(['--format', 'json', 'k8s', './k8s/c.qyaml'], dir);
    expect(paths(stdout)).toEqual(['k8s/c.qyaml']);
    expect(code).toBe(0);
  });
  it('lints a file once when a symbolic link also points to it', async () => {
    const dir = cleanTree();
    symlinkSync(join(dir, 'k8s', 'c.qyaml'), join(dir, 'k8s', 'link.qyaml'));
    const { code, stdout } = await ecoLintInProcess(['--format', 'json', 'k8s'], dir);
    expect(paths(stdout)).toEqual(['k8s/c.qyaml']);
    expect(code).toBe(0);
  });
});
