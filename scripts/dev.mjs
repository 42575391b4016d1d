#!/usr/bin/env node
/**
 * `npm run dev`: the whole platform locally. Applies D1 migrations, starts the origin emulator, seeds
 * pools/models/the admin key for it, then runs `wrangler dev`. Ctrl-C or SIGTERM stops every child,
 * also during startup; a child that exits on its own stops the others and dev exits 1.
 *
 * ECO_GATEWAY_PORT (8787), ECO_EMULATOR_PORT (8790), ECO_DEV_API_KEY (generated when unset),
 * ECO_PERSIST_DIR (.wrangler/state): lets several stacks run side by side. All are checked, both
 * ports must be free and no other stack may hold the state directory, before anything starts.
 * ECO_DEV_EXIT_ON_STDIN_EOF=1 (for harnesses that pipe stdin): stop everything when stdin ends.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devConfig } from './lib/dev-config.mjs';
import { ensurePortFree, originOnPort } from './lib/ports.mjs';
import { firstJsonLine, ROOT, waitForHttp } from './lib/procs.mjs';
import { seedSql } from './lib/seed-sql.mjs';
import { loadSeeds } from './lib/seeds.mjs';
import { staleStateAdvice } from './lib/stale-state.mjs';
import { claimStateDir } from './lib/state-lock.mjs';
import { StoppingError, Supervisor } from './lib/supervisor.mjs';

/** A reason not to go on that the message says in full (no stack trace). */
class Refusal extends Error {}

function log(message) {
  process.stderr.write(`[dev] ${message}\n`);
}

let config;
try {
  config = devConfig(process.env, ROOT);
  await ensurePortFree(config.gatewayPort, 'ECO_GATEWAY_PORT');
  await ensurePortFree(config.emulatorPort, 'ECO_EMULATOR_PORT');
  // Held until exit: a second stack on this directory would re-seed this one's D1 under it.
  process.on('exit', claimStateDir(config.persistDir));
} catch (err) {
  log(err.message);
  process.exit(1);
}
const { gatewayPort, emulatorPort, persistDir, apiKey, extraVars, logLevel } = config;

const supervisor = new Supervisor({ log });
supervisor.handleSignals();
if (process.env.ECO_DEV_EXIT_ON_STDIN_EOF === '1') supervisor.stopOnInputEnd(process.stdin);

try {
  log(`applying D1 migrations (${persistDir})`);
  await supervisor.step('wrangler', [
    'd1',
    'migrations',
    'apply',
    'DB',
    '--local',
    '--persist-to',
    persistDir,
  ]);

  log(`starting the origin emulator (control API on 127.0.0.1:${emulatorPort})`);
  // Its origins take any free port, which may be the gateway's when that lies in the ephemeral range.
  let emulator;
  let announced;
  for (let tries = 1; ; tries++) {
    emulator = supervisor.service('the emulator', 'node', ['origins/emulator/main.ts'], {
      env: { ECO_EMULATOR_PORT: String(emulatorPort) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    announced = await firstJsonLine(emulator);
    const clash = originOnPort(announced.origins, gatewayPort);
    if (!clash || tries === 3) break;
    log(`emulated origin ${clash.id} took the gateway's port ${gatewayPort}; starting the emulator again`);
    await supervisor.retire(emulator);
  }
  emulator.stdout.resume();

  log(`seeding ${announced.origins.length} emulated origins and the local admin key`);
  const seeds = await loadSeeds();
  const seedContext = { origins: announced.origins, apiKey, gatewayPort, emulatorPort, env: process.env };
  const seedVars = {};
  let sql = seedSql({ origins: announced.origins, apiKey });
  for (const seed of seeds) {
    if (seed.seedSql) sql += await seed.seedSql(seedContext);
    if (seed.vars) Object.assign(seedVars, await seed.vars(seedContext));
  }
  const dir = mkdtempSync(join(tmpdir(), 'eco-seed-'));
  try {
    const seedFile = join(dir, 'seed.sql');
    writeFileSync(seedFile, sql);
    await supervisor.step('wrangler', [
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Checked again: something may have taken the port since the first check, and wrangler's own
  // message names neither the port's variable nor what to do.
  await ensurePortFree(gatewayPort, 'ECO_GATEWAY_PORT').catch((err) => {
    throw new Refusal(err.message);
  });
  log(`starting the gateway on 127.0.0.1:${gatewayPort}`);
  const internalSecret = process.env.ECO_INTERNAL_SECRET ?? randomBytes(32).toString('base64url');
  const vars = [
    `ECO_INTERNAL_SECRET:${internalSecret}`,
    ...Object.entries(seedVars).map(([k, v]) => `${k}:${v}`),
    ...extraVars,
  ];
  const varArgs = vars.flatMap((v) => ['--var', v]);
  supervisor.service(
    'wrangler',
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
      logLevel,
      ...varArgs,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await waitForHttp(`http://127.0.0.1:${gatewayPort}/health`, 90_000);
  if (supervisor.stopping) throw new StoppingError();

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
  // Once a stop has begun, what failed is a consequence of it: the stop already said why.
  if (!supervisor.stopping && !(err instanceof StoppingError)) {
    const said = err instanceof Refusal ? err.message : staleStateAdvice(err?.message ?? '', persistDir);
    log(said ?? String(err?.stack ?? err));
  }
  supervisor.stop(1);
}
