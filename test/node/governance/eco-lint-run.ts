import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin/eco-lint.mjs');
export const CORPUS = fileURLToPath(new URL('../../../../shared/fixtures/qyaml-corpus', import.meta.url));
export const REDIS = readFileSync(join(CORPUS, 'k8s/base/redis.qyaml'), 'utf8');
/** A plain Kubernetes manifest, without governance blocks. */
export const PLAIN = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: eco-base\n';

/** The CLI run in `cwd`, as a CI job would run it. */
export function ecoLint(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const made: string[] = [];
// Registered while the importing test file is collected: its directories go when its tests are done.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory named after the test file, removed once the file's tests are done. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eco-lint-${label}-`));
  made.push(dir);
  return dir;
}
