import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { run } from '../../../governance/cli/main.ts';

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

/**
 * The CLI's entry point (`run` of governance/cli/main.ts, what bin/eco-lint.mjs calls) in this process,
 * in `cwd`, with `stdin` as standard input (empty when not given, as under spawnSync): the same report,
 * messages and exit code as a spawned CLI without a Node start per case. What only the bin script adds
 * (re-running on an old Node, write errors on standard output) still needs `ecoLint`.
 */
export async function ecoLintInProcess(args: string[], cwd: string, stdin: string | Buffer = '') {
  const out = { stdout: '', stderr: '' };
  const capture = (key: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      out[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const stdinProperty = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  const previousCwd = process.cwd();
  process.chdir(cwd);
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(stdin)]), configurable: true });
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const code = await run(args);
    return { code, ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    Object.defineProperty(process, 'stdin', stdinProperty);
    process.chdir(previousCwd);
  }
}
