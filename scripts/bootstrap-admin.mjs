#!/usr/bin/env node
/**
 * `npm run keys:bootstrap -- --env production [--name ops] [--tenant admin]`: create the first admin key
 * for a deployed gateway. Prints the secret once and the `wrangler d1 execute --remote` command that
 * inserts its hash (it does not run it: review, then paste). `--local [--persist-to DIR]` runs it
 * against local D1 instead. Alternative: set the ECO_BOOTSTRAP_ADMIN_KEY secret (see docs/security.md).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    env: { type: 'string' },
    local: { type: 'boolean', default: false },
    'persist-to': { type: 'string' },
    name: { type: 'string', default: 'bootstrap admin' },
    tenant: { type: 'string', default: 'admin' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || (!values.env && !values.local)) {
  process.stderr.write(
    'usage: npm run keys:bootstrap -- --env <staging|production> | --local [--persist-to DIR]\n',
  );
  process.exit(values.help ? 0 : 2);
}

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
  if (values['persist-to']) args.push('--persist-to', values['persist-to']);
  if (values.env) args.push('--env', values.env);
  const result = spawnSync('wrangler', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) process.exit(result.status ?? 1);
  process.stdout.write(`\nAdmin key ${id} created in local D1.\n`);
} else {
  args.push('--remote', '--env', values.env);
  const shellQuote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
  process.stdout.write(
    `Run this to insert the key into the ${values.env} D1 database:\n\n  npx wrangler ${args.map(shellQuote).join(' ')}\n\n`,
  );
}
process.stdout.write(`Secret (shown once; store it now): ${secret}\n`);
