#!/usr/bin/env node
/**
 * `npm run deploy:check [-- --env NAME]`: bundles the Worker exactly as `wrangler deploy` would (for
 * the given environment, default top level) into a temporary directory without uploading, and prints
 * the bundle size. A failed dry run exits 1 with wrangler's output, and so does an environment whose D1
 * database_id is still the repository's placeholder or whose vars hold an `ECO_*` setting or `ECO_JWT_*`
 * value the gateway cannot use, or a misspelt name (scripts/lib/unusable-vars.mjs); the temporary
 * directory is removed in every case, also when the check is interrupted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { unstable_readConfig } from 'wrangler';
import { deployCheckArgs } from './lib/deploy-check-args.mjs';
import { ROOT, run, stopGroup } from './lib/procs.mjs';
import { unusableVars } from './lib/unusable-vars.mjs';
import { placeholderIds } from './lib/wrangler-config.mjs';
import { wranglerEnvs } from './lib/wrangler-envs.mjs';

const parsed = deployCheckArgs(process.argv.slice(2), wranglerEnvs());
if (parsed.error) {
  process.stderr.write(`deploy:check: ${parsed.error}\nusage: npm run deploy:check [-- --env NAME]\n`);
  process.exit(2);
}
const { env } = parsed;
const dir = mkdtempSync(join(tmpdir(), 'eco-deploy-check-'));
let wrangler;
const cleanUp = () => rmSync(dir, { recursive: true, force: true });
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
]) {
  process.on(signal, () => {
    stopGroup(wrangler, 'SIGKILL');
    cleanUp();
    process.exit(code);
  });
}

try {
  const args = ['deploy', '--dry-run', '--outdir', dir, ...(env ? ['--env', env] : [])];
  const output = await run('wrangler', args, { group: true, onChild: (c) => (wrangler = c) });
  const bundle = readFileSync(join(dir, 'index.js'));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  process.stdout.write(
    `${output
      .split('\n')
      .filter((l) => /Total Upload|env\.|Binding/.test(l))
      .join('\n')}\n`,
  );
  const size = `bundle ${kib(bundle.length)}, gzip ${kib(gzipSync(bundle).length)}`;
  // A dry run takes any database id; a deploy with the placeholder one would fail or reach no database.
  const placeholders = env ? placeholderIds(env) : [];
  // The vars as wrangler reads them for this environment (TOML numbers and booleans included).
  const { vars } = unstable_readConfig({ config: `${ROOT}wrangler.toml`, env });
  const unusable = unusableVars(vars);
  const table = env ? `[env.${env}.vars]` : '[vars]';
  if (placeholders.length > 0) {
    process.stderr.write(
      `deploy check failed (${env}): ${size}, but [env.${env}] still has the placeholder D1 database_id ${placeholders.join(', ')}: ` +
        `create the database (npx wrangler d1 create <database_name>) and put its id in wrangler.toml\n`,
    );
    process.exitCode = 1;
  }
  if (unusable.length > 0) {
    process.stderr.write(
      `deploy check failed${env ? ` (${env})` : ''}: ${size}, but ${table} in wrangler.toml holds ${unusable.length} unusable setting${unusable.length === 1 ? '' : 's'}:\n` +
        unusable.map((p) => `  ${p.problem}\n`).join(''),
    );
    process.exitCode = 1;
  }
  if (placeholders.length === 0 && unusable.length === 0) {
    process.stdout.write(`deploy check passed${env ? ` (${env})` : ''}: ${size}\n`);
  }
} catch (err) {
  process.stderr.write(`deploy check failed: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  cleanUp();
}
