import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Stack {
  gateway: string;
  emulator: string;
  apiKey: string;
  persistDir: string;
}

export interface RunningStack extends Stack {
  /** Stop every process of the stack (keeps the persist dir unless `removeState`). */
  stop(options?: { removeState?: boolean }): Promise<void>;
  /** What the stack printed, for failure messages. */
  output(): string;
}

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StackOptions {
  persistDir?: string;
  gatewayPort?: number;
  emulatorPort?: number;
  apiKey?: string;
  /** Extra `--var NAME:VALUE` settings for wrangler dev. */
  vars?: Record<string, string>;
  env?: Record<string, string>;
}

/**
 * Start `npm run dev`'s script on free ports with its own state dir, and wait until it is ready.
 * A port found free can be taken by another process before the stack binds it; when the stack says
 * so and the ports were ours to choose, it is started again on new ones.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const choosesPorts = options.gatewayPort === undefined && options.emulatorPort === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(options);
    } catch (err) {
      const portTaken = /already in use/.test((err as Error).message);
      if (!choosesPorts || !portTaken || attempt >= 3) throw err;
    }
  }
}

async function startStackOnce(options: StackOptions): Promise<RunningStack> {
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'eco-e2e-'));
  const gatewayPort = options.gatewayPort ?? (await freePort());
  const emulatorPort = options.emulatorPort ?? (await freePort());
  const apiKey = options.apiKey ?? `eco_sk_e2e_${crypto.randomUUID().replaceAll('-', '')}`;
  const vars = Object.entries(options.vars ?? {})
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  // Its stdin is a pipe only this process holds: however this process ends (an interrupted run exits
  // without any teardown), the stack sees its stdin end and stops everything it started.
  const child: ChildProcess = spawn(process.execPath, ['scripts/dev.mjs'], {
    cwd: ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: `${ROOT}node_modules/.bin:${process.env.PATH ?? ''}`,
      ECO_DEV_EXIT_ON_STDIN_EOF: '1',
      ECO_GATEWAY_PORT: String(gatewayPort),
      ECO_EMULATOR_PORT: String(emulatorPort),
      ECO_PERSIST_DIR: persistDir,
      ECO_DEV_API_KEY: apiKey,
      ECO_DEV_VARS: vars,
      ...options.env,
    },
  });
  let output = '';
  const ready = new Promise<Stack>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not ready in 120 s:\n${output}`)), 120_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /^READY (.*)$/m.exec(output);
      if (match) {
        clearTimeout(timer);
        const info = JSON.parse(match[1]!) as { gateway: string; emulator: string; apiKey: string };
        resolve({ ...info, persistDir });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited (${code}) before it was ready:\n${output}`));
    });
  });
  let info: Stack;
  try {
    info = await ready;
  } catch (err) {
    // SIGTERM first: the dev script stops the emulator and wrangler, which run in process groups of their own.
    await terminate(child);
    if (options.persistDir === undefined) rmSync(persistDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...info,
    output: () => output,
    async stop(stopOptions = {}) {
      await terminate(child);
      if (stopOptions.removeState) rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

/**
 * SIGTERM the dev script's group, SIGKILL it if it has not exited within 8 s. Resolves once it has
 * exited: until then it holds its state directory, and a stack started again on it would be refused.
 */
function terminate(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => kill(child, 'SIGKILL'), 8000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    kill(child, 'SIGTERM');
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Emulator control API helpers. */
export async function setFault(stack: Stack, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${stack.emulator}/_control/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (res.status !== 201) throw new Error(`fault rejected: ${res.status} ${await res.text()}`);
}

export async function clearFaults(stack: Stack): Promise<void> {
  const res = await fetch(`${stack.emulator}/_control/faults`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`faults not cleared: ${res.status} ${await res.text()}`);
}

/** The emulator's generation settings (GET /_control/settings). */
export interface EmulatorSettings {
  tokensPerSecond: number;
  ttftMs: number;
  defaultMaxTokens: number;
  answerTokens: number;
}

/** The emulator's generation settings as they are now. */
export async function emulatorSettings(stack: Stack): Promise<EmulatorSettings> {
  const res = await fetch(`${stack.emulator}/_control/settings`);
  if (!res.ok) throw new Error(`settings not read: ${res.status} ${await res.text()}`);
  return (await res.json()) as EmulatorSettings;
}

export async function setEmulatorSettings(stack: Stack, settings: Partial<EmulatorSettings>): Promise<void> {
  const res = await fetch(`${stack.emulator}/_control/settings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (!res.ok) throw new Error(`settings rejected: ${res.status} ${await res.text()}`);
}

/** Poll `probe` until `ok` holds (every 100 ms), or fail after `timeoutMs` with the last value. */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wait until the emulated origins whose id starts with `prefix` have no request in flight. */
export function emulatorDrained(stack: Stack, prefix: string): Promise<number[]> {
  return until(
    async () => {
      const stats = (await (await fetch(`${stack.emulator}/_control/stats`)).json()) as {
        origins: { id: string; inFlight: number }[];
      };
      return stats.origins.filter((o) => o.id.startsWith(prefix)).map((o) => o.inFlight);
    },
    (v) => v.every((n) => n === 0),
    10_000,
  );
}
