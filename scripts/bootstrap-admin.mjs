#!/usr/bin/env node
/**
 * `npm run keys:bootstrap -- --env production [--name ops] [--tenant admin]`: create the first admin key
 * for a deployed gateway. Prints the secret once and the `wrangler d1 execute --remote` command that
 * inserts its hash (it does not run it: review, then paste). `--local [--persist-to DIR]` runs it
 * against local D1 instead (by default the state `npm run dev` uses: ECO_PERSIST_DIR or .wrangler/state). Alternative: set the ECO_BOOTSTRAP_ADMIN_KEY secret (see docs/security.md).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { bootstrapArgs, USAGE } from './lib/bootstrap-args.mjs';
import { childEnv, ROOT } from './lib/procs.mjs';
import { wranglerEnvs } from './lib/wrangler-envs.mjs';

const parsed = bootstrapArgs(process.argv.slice(2), wranglerEnvs());
if (parsed.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (parsed.error) {
  process.stderr.write(`keys:bootstrap: ${parsed.error}\n${USAGE}`);
  process.exit(2);
}
const values = parsed.options;

const secret = `eco_sk_${randomBytes(32).toString('base64url')}`;
const hash = createHash('sha256').update(secret).digest('hex');
const id = `key_${randomBytes(12).toString('hex')}`;
const now = Date.now();
const q = (v) => `'${String(v).replaceAll("'", "''")}'`;
const sql =
  'INSERT INTO api_keys (id, name, tenant, prefix, key_hash, scopes, limits, allowed_models, default_priority, max_priority, created_at) ' +
  `VALUES (${q(id)}, ${q(values.name)}, ${q(values.tenant)}, ${q(secret.slice(0, 13))}, ${q(hash)}, '["admin"]', '{}', NULL, 'normal', 'critical', ${now}); ` +
  `INSERT INTO audit_log (id, actor_key_id, action, target, detail, created_at) VALUES (${q(randomBytes(16).toString('hex'))}, NULL, 'api_key.bootstrap', ${q(id)}, '{"via":"keys:bootstrap"}', ${now});`;

const args = ['d1', 'execute', 'DB', '--command', sql];
if (values.local) {
  args.push('--local');
  // The same local state as `npm run dev`: --persist-to, else ECO_PERSIST_DIR, else its default.
  const persistTo = values['persist-to']
    ? resolve(values['persist-to'])
    : resolve(ROOT, process.env.ECO_PERSIST_DIR || '.wrangler/state');
  // wrangler would make an empty database in a directory that is not there (a typo, or no `npm run
  // dev` yet) and then fail on a missing table.
  if (!existsSync(persistTo)) {
    process.stderr.write(
      `keys:bootstrap: ${persistTo} does not exist: run npm run dev once (it makes the local state and applies the migrations), or name the state it uses with --persist-to or ECO_PERSIST_DIR\n`,
    );
    process.exit(1);
  }
  args.push('--persist-to', persistTo);
  if (values.env) args.push('--env', values.env);
  // The project's wrangler, also when the script is run with plain `node`. Its output is passed on once
  // it ends, and read to say what a missing table means.
  const result = spawnSync('wrangler', args, {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.error) {
    process.stderr.write(`keys:bootstrap: cannot run wrangler: ${result.error.message}\n`);
    process.exit(1);
  }
  if (result.status !== 0) {
    const unmigrated = /no such table: (?:api_keys|audit_log)\b/.test(`${result.stdout}${result.stderr}`);
    process.stderr.write(
      unmigrated
        ? `keys:bootstrap: the local database in ${persistTo} has no api_keys table: run npm run dev once (it applies the migrations); no key was created\n`
        : `keys:bootstrap: wrangler d1 execute failed (${result.status ?? result.signal}); no key was created\n`,
    );
    process.exit(result.status || 1);
  }
  process.stdout.write(`\nAdmin key ${id} created in local D1 (${persistTo}).\n`);
} else {
  args.push('--remote', '--env', values.env);
  const shellQuote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  process.stdout.write(
    `Run this to insert the key into the ${values.env} D1 database:\n\n  npx wrangler ${args.map(shellQuote).join(' ')}\n\n`,
  );
}
process.stdout.write(`Secret (shown once; store it now): ${secret}\n`);
