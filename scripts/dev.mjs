#!/usr/bin/env node
/**
 * `npm run dev`: the whole platform locally. Applies D1 migrations, starts the origin emulator, seeds
 * pools/models/the admin key for it, then runs `wrangler dev`. Ctrl-C or SIGTERM stops every child.
 *
 * ECO_GATEWAY_PORT (8787), ECO_EMULATOR_PORT (8790), ECO_DEV_API_KEY (generated when unset),
 * ECO_PERSIST_DIR (.wrangler/state): lets several stacks run side by side.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstJsonLine, ROOT, run, start, stopGroup, waitForHttp } from './lib/procs.mjs';
import { seedSql } from './lib/seed-sql.mjs';
import { loadSeeds } from './lib/seeds.mjs';

const gatewayPort = Number(process.env.ECO_GATEWAY_PORT ?? 8787);
const emulatorPort = Number(process.env.ECO_EMULATOR_PORT ?? 8790);
const persistDir = process.env.ECO_PERSIST_DIR ?? join(ROOT, '.wrangler/state');
const apiKey = process.env.ECO_DEV_API_KEY ?? `eco_sk_dev_${randomBytes(24).toString('base64url')}`;
const extraVars = (process.env.ECO_DEV_VARS ?? '').split(/\s+/).filter(Boolean);

const children = [];
let stopping = false;

function log(message) {
  process.stderr.write(`[dev] ${message}\n`);
}

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) stopGroup(child);
  setTimeout(() => {
    for (const child of children) stopGroup(child, 'SIGKILL');
    process.exit(code);
  }, 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r))))).then(
    () => process.exit(code),
  );
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  log(`applying D1 migrations (${persistDir})`);
  await run('wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir]);

  log(`starting the origin emulator (control API on 127.0.0.1:${emulatorPort})`);
  const emulator = start('node', ['origins/emulator/main.ts'], {
    env: { ECO_EMULATOR_PORT: String(emulatorPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(emulator);
  emulator.on('exit', (code) => {
    if (!stopping) {
      log(`the emulator exited (${code}); stopping`);
      shutdown(1);
    }
  });
  const announced = await firstJsonLine(emulator);
  emulator.stdout.resume();

  log(`seeding ${announced.origins.length} emulated origins and the local admin key`);
  const dir = mkdtempSync(join(tmpdir(), 'eco-seed-'));
  const seedFile = join(dir, 'seed.sql');
  const seeds = await loadSeeds();
  const seedContext = { origins: announced.origins, apiKey, gatewayPort, emulatorPort, env: process.env };
  const seedVars = {};
  let sql = seedSql({ origins: announced.origins, apiKey });
  for (const seed of seeds) {
    if (seed.seedSql) sql += await seed.seedSql(seedContext);
    if (seed.vars) Object.assign(seedVars, await seed.vars(seedContext));
  }
  writeFileSync(seedFile, sql);
  await run('wrangler', [
    'd1',
    'execute',
    'DB',
    '--local',
    '--persist-to',
    persistDir,
    '--file',
    seedFile,
    '--yes',
  ]);
  rmSync(dir, { recursive: true, force: true });

  log(`starting the gateway on 127.0.0.1:${gatewayPort}`);
  const internalSecret = process.env.ECO_INTERNAL_SECRET ?? randomBytes(32).toString('base64url');
  const vars = [
    `ECO_INTERNAL_SECRET:${internalSecret}`,
    ...Object.entries(seedVars).map(([k, v]) => `${k}:${v}`),
    ...extraVars,
  ];
  const varArgs = vars.flatMap((v) => ['--var', v]);
  const gateway = start(
    'wrangler',
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(gatewayPort),
      '--persist-to',
      persistDir,
      '--show-interactive-dev-session=false',
      '--log-level',
      process.env.ECO_LOG_LEVEL ?? 'warn',
      ...varArgs,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  children.push(gateway);
  gateway.on('exit', (code) => {
    if (!stopping) {
      log(`wrangler exited (${code}); stopping`);
      shutdown(1);
    }
  });
  await waitForHttp(`http://127.0.0.1:${gatewayPort}/health`, 90_000);

  const base = `http://127.0.0.1:${gatewayPort}`;
  process.stdout.write(
    [
      '',
      `IndestructibleEco Edge is running at ${base}`,
      `  emulator control API: ${announced.controlUrl}`,
      `  admin API key:        ${apiKey}`,
      `  API docs:             ${base}/docs`,
      '',
      'Try a streaming completion:',
      `  curl -N ${base}/v1/chat/completions \\`,
      `    -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" \\`,
      `    -d '{"model":"dev-vllm","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`,
      '',
      `READY ${JSON.stringify({ gateway: base, emulator: announced.controlUrl, apiKey })}`,
      '',
    ].join('\n'),
  );
} catch (err) {
  log(String(err?.stack ?? err));
  shutdown(1);
}
