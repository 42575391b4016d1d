/**
 * What the tests of the project's scripts share: running a script in a process group of its own,
 * scratch directories, the project's wrangler, a local state directory with every migration applied
 * (prepared once, copied per test) and `npm run dev` on free ports.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { freePort } from '../../e2e/helpers/stack.ts';

export { freePort };

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = `${ROOT}node_modules/.bin`;

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Poll (bounded) until `check` holds; false when it never did. */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

export function pidIn(file: string): number | undefined {
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/**
 * A node script in its own process group, with its output collected and its exit awaitable; `stdin`
 * 'pipe' gives it a stdin that ends when this process does.
 */
export function spawnScript(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin: 'ignore' | 'pipe' = 'ignore',
): { child: ChildProcess; exited: Promise<Exited> } {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: [stdin, 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<Exited>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

/** Resolve with the exit, or undefined after `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

/** Clean-up: SIGKILL a process group (the script's) and single pids, ignoring what is already gone. */
export function killAll(groupLeader: ChildProcess | undefined, pids: (number | undefined)[]): void {
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  if (groupLeader?.pid !== undefined) kill(-groupLeader.pid);
  for (const pid of pids) if (pid !== undefined) kill(pid);
}

const made: string[] = [];
// Registered while the importing test file is collected: its directories go when its tests are done.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed once the importing file's tests are done. */
export function scratchDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `eco-${label}-`));
  made.push(dir);
  return dir;
}

const execFileAsync = promisify(execFile);

/** The project's wrangler, quiet and offline, as the dev scripts run it. */
export function wrangler(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync(`${BIN}/wrangler`, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH ?? ''}`,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    },
    timeout: 60_000,
  });
}

/**
 * The migrated state, made once per set of migrations, wrangler version and wrangler.toml (applying
 * every migration to an empty directory costs several seconds; copying the result, milliseconds).
 * Test files running at once wait for the one that makes it rather than each making their own.
 */
async function preparedState(): Promise<string> {
  const hash = createHash('sha256');
  const migrations = join(ROOT, 'migrations');
  for (const file of readdirSync(migrations).sort())
    hash.update(file).update(readFileSync(join(migrations, file)));
  hash.update(readFileSync(join(ROOT, 'wrangler.toml')));
  hash.update(readFileSync(join(ROOT, 'node_modules/wrangler/package.json')));
  const ready = join(tmpdir(), `eco-test-migrated-${hash.digest('hex').slice(0, 16)}`);
  const lock = `${ready}.lock`;
  const deadline = Date.now() + 120_000;
  while (!existsSync(ready)) {
    if (Date.now() > deadline) throw new Error(`${ready} was not prepared within 120 s`);
    try {
      mkdirSync(lock);
    } catch {
      // A lock older than any preparation is what a killed run left behind.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 90_000) {
        rmSync(lock, { recursive: true, force: true });
      }
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const building = mkdtempSync(`${ready}.building-`);
    try {
      await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', building]);
      // Complete or absent: the directory appears under its name only once every migration is in it.
      renameSync(building, ready);
    } finally {
      rmSync(building, { recursive: true, force: true });
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return ready;
}

/** A state directory of its own for one test, with every migration applied (removed after the file). */
export async function migratedState(label: string): Promise<string> {
  const dir = scratchDir(label);
  cpSync(await preparedState(), dir, { recursive: true });
  return dir;
}

/**
 * The local D1 database of a state directory, opened directly: a query costs no wrangler start.
 * Exactly one database is expected (the top level's DB); more would mean a write went elsewhere.
 */
export function localDb(persistDir: string): DatabaseSync {
  const dir = join(persistDir, 'v3/d1/miniflare-D1DatabaseObject');
  const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  if (files.length !== 1)
    throw new Error(`expected one local D1 database in ${dir}, found ${files.join(', ')}`);
  return new DatabaseSync(join(dir, files[0]!));
}

/** Whether anything answers HTTP at `url`. */
export function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    () => true,
    () => false,
  );
}

export interface DevRun {
  child: ChildProcess;
  exited: Promise<Exited>;
  gatewayPort: number;
  emulatorPort: number;
  /** Whether the emulator's control API still answers. */
  emulatorAnswers(): Promise<boolean>;
}

/**
 * `npm run dev`'s script on free ports with `persistDir` as its state; `env` adds or overrides. It stops
 * everything once its stdin ends: when `child.stdin` is ended, or when the test run ends however it does.
 */
export async function startDev(persistDir: string, env: Record<string, string> = {}): Promise<DevRun> {
  const gatewayPort = await freePort();
  const emulatorPort = await freePort();
  const { child, exited } = spawnScript(
    ['scripts/dev.mjs'],
    {
      ECO_GATEWAY_PORT: String(gatewayPort),
      ECO_EMULATOR_PORT: String(emulatorPort),
      ECO_PERSIST_DIR: persistDir,
      ECO_DEV_EXIT_ON_STDIN_EOF: '1',
      ...env,
    },
    'pipe',
  );
  return {
    child,
    exited,
    gatewayPort,
    emulatorPort,
    emulatorAnswers: () => answers(`http://127.0.0.1:${emulatorPort}/_control/origins`),
  };
}
