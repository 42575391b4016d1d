import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'dev.lock';
/** Held (a directory: created atomically) by the one claimant replacing a stale lock file. */
export const TAKEOVER_DIR = 'dev.lock.takeover';
/** A takeover lasts milliseconds; one older than this was left by a claimant killed during it. */
const TAKEOVER_STALE_MS = 10_000;

/** The pid a lock file names: undefined when the file is gone, null when it names none (yet). */
function holderOf(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

function running(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Claim a state directory for the process `pid`: two stacks on one directory would seed each other's
 * local D1 and open the same Durable Object files. The claim is a file holding the pid; one whose
 * process is gone (killed, crashed) is stale and taken over. Returns the function that gives the claim
 * up; throws, naming the directory and the holder, while another live process holds it.
 *
 * Two stacks finding the same stale file must not both take it over (one would delete the other's fresh
 * claim): the takeover is done only while holding TAKEOVER_DIR, and the holder is read again under it.
 * `hooks.beforeTakeover` runs between finding the file stale and taking it over (for tests).
 */
export function claimStateDir(dir, pid = process.pid, hooks = {}) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const inUse = (holder) =>
    new Error(
      [
        `the state directory ${dir} is in use by ${typeof holder === 'number' ? `process ${holder}` : 'another process'} (another npm run dev):`,
        'stop that stack, or set ECO_PERSIST_DIR to a directory of its own to run this one beside it.',
        `(If no such stack runs, remove ${file}.)`,
      ].join('\n'),
    );
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(file, String(pid), { flag: 'wx' });
      return () => {
        if (holderOf(file) === pid) rmSync(file, { force: true });
      };
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = holderOf(file);
    // Given up meanwhile: claim it again.
    if (holder === undefined) continue;
    // No pid yet: another claimant is between creating the file and writing to it.
    if (holder === null || (holder !== pid && running(holder))) throw inUse(holder);
    hooks.beforeTakeover?.();
    if (!takeOver(dir, file, holder)) throw inUse(holderOf(file));
  }
  throw inUse(holderOf(file));
}

/**
 * Remove the lock file if it still names `stale`, holding the takeover directory meanwhile. False when
 * another claimant is taking over at the same moment, or the file now names someone else.
 */
function takeOver(dir, file, stale) {
  const guard = join(dir, TAKEOVER_DIR);
  try {
    mkdirSync(guard);
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
    if (!abandoned(guard)) return false;
    // Moved aside, not removed: of several claimants finding it abandoned, one moves it (a rename is
    // atomic) and the others find it gone, so none removes a guard another has just made.
    const aside = `${guard}.${process.pid}.${Date.now()}`;
    try {
      renameSync(guard, aside);
    } catch (moveErr) {
      if (moveErr.code === 'ENOENT') return false;
      throw moveErr;
    }
    // Found abandoned, then made again by a claimant that moved the old one first: this is its live
    // guard. Put back (unless a newer one stands there) and leave the takeover to it.
    if (!abandoned(aside)) {
      try {
        mkdirSync(guard);
        rmSync(guard, { recursive: true, force: true });
        renameSync(aside, guard);
      } catch {
        rmSync(aside, { recursive: true, force: true });
      }
      return false;
    }
    rmSync(aside, { recursive: true, force: true });
    return takeOver(dir, file, stale);
  }
  try {
    const holder = holderOf(file);
    if (holder !== undefined && holder !== stale) return false;
    rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

function abandoned(guard) {
  try {
    return Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS;
  } catch (err) {
    if (err.code === 'ENOENT') return false;
    throw err;
  }
}
