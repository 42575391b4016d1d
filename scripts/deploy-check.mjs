#!/usr/bin/env node
/**
 * `npm run deploy:check`: bundles the Worker exactly as `wrangler deploy` would (for the given
 * `--env`, default top level) into a temporary directory without uploading, and prints the bundle size.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { run } from './lib/procs.mjs';

const envArg = process.argv.find((a) => a.startsWith('--env='));
const dir = mkdtempSync(join(tmpdir(), 'eco-deploy-check-'));
try {
  const args = ['deploy', '--dry-run', '--outdir', dir, ...(envArg ? [envArg] : [])];
  const output = await run('wrangler', args);
  const bundle = readFileSync(join(dir, 'index.js'));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  process.stdout.write(
    `${output
      .split('\n')
      .filter((l) => /Total Upload|env\.|Binding/.test(l))
      .join('\n')}\n`,
  );
  process.stdout.write(
    `deploy check passed${envArg ? ` (${envArg.slice(6)})` : ''}: bundle ${kib(bundle.length)}, gzip ${kib(gzipSync(bundle).length)}\n`,
  );
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
