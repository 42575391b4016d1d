import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${ROOT}node_modules/.bin`;

/** Environment for child processes: the project's Node 22 and tools first on PATH, wrangler quiet and offline. */
export function childEnv(extra = {}) {
  return {
    ...process.env,
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_LOG_SANITIZE: 'false',
    NO_D1_WARNING: 'true',
    ...extra,
  };
}

/**
 * Run a command to completion; reject with its output when it fails. `timeoutMs` kills it (and its
 * process group) when it runs too long; `stdoutOnly` resolves with stdout alone. `group` gives it a
 * process group of its own and `onChild` receives it, so a caller can stop it (and what it started).
 */
export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.group === true || options.timeoutMs !== undefined,
    });
    options.onChild?.(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => stopGroup(child, 'SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(options.stdoutOnly ? out : out + err);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${out}${err}`));
    });
  });
}

/**
 * `run` in a process group of its own, kept in `groups` (a Set) while anything of it runs: a stop
 * signals every group there, so nothing the command started outlives its caller.
 */
export async function runInGroup(groups, cmd, args, options = {}) {
  let child;
  try {
    return await run(cmd, args, {
      ...options,
      group: true,
      onChild: (c) => {
        child = c;
        groups.add(c);
      },
    });
  } finally {
    if (child && !groupAlive(child)) groups.delete(child);
  }
}

/** Start a long-running child in its own process group, so stopping it stops everything it started. */
export function start(cmd, args, options = {}) {
  return spawn(cmd, args, {
    cwd: ROOT,
    env: childEnv(options.env),
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/**
 * Signal a child's process group. The group is signalled even when the child itself has exited: a
 * crashed wrangler leaves its workerd processes behind in that group, still serving the port.
 */
export function stopGroup(child, signal = 'SIGTERM') {
  if (!child || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Whether any process of the child's group is still running. */
export function groupAlive(child) {
  if (!child || child.pid === undefined) return false;
  try {
    process.kill(-child.pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The first stdout line of a child, parsed as JSON (the emulator announces itself that way). */
export function firstJsonLine(child, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('timed out waiting for the first line')), timeoutMs);
    const onData = (d) => {
      buffer += d;
      const nl = buffer.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      try {
        resolve(JSON.parse(buffer.slice(0, nl)));
      } catch (err) {
        reject(err);
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code} before announcing itself`)));
  });
}

/** Poll a URL until it answers below 500, within a bounded time. */
export async function waitForHttp(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      // Bounded too: a paused server accepts the connection and never answers.
      const res = await fetch(url, {
        signal: AbortSignal.timeout(Math.max(1, Math.min(5000, deadline - Date.now()))),
      });
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
