import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'dev.lock';

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
 */
export function claimStateDir(dir, pid = process.pid) {
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
    rmSync(file, { force: true });
  }
  throw inUse(holderOf(file));
}
