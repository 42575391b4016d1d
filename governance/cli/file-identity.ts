import { readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

// Writes must never land on a file the user gave as input. Two names are one file when they share a
// device and inode (symbolic and hard links alike); a file that does not exist yet is named by the
// real path a write would create, so two outputs through a linked directory are seen to coincide.

const MAX_LINKS = 40;

/** Identities of the input files that exist (one that cannot be read is reported when it is read). */
export async function inputIdentities(paths: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info) ids.add(inodeId(info));
  }
  return ids;
}

export interface OutputIdentity {
  id: string;
  exists: boolean;
  isDirectory: boolean;
}

/** What a write to `path` would overwrite or create. Throws with a one-line reason if it cannot. */
export async function outputIdentity(path: string): Promise<OutputIdentity> {
  const info = await stat(path).catch(missingOr(path));
  if (info) return { id: inodeId(info), exists: true, isDirectory: info.isDirectory() };
  return { id: `path:${await futurePath(resolve(path), 0, path)}`, exists: false, isDirectory: false };
}

function inodeId(info: { dev: number; ino: number }): string {
  return `inode:${info.dev}:${info.ino}`;
}

/** The real path a file created at `absolute` would get: links in its parents (or itself) followed. */
async function futurePath(absolute: string, links: number, shown: string): Promise<string> {
  const real = await realpath(absolute).catch(missingOr(shown));
  if (real !== undefined) return real;
  // A dangling link is written through: the new file appears where it points.
  const link = await readlink(absolute).catch(() => undefined);
  if (link !== undefined) {
    if (links >= MAX_LINKS) throw new Error(`cannot write ${shown}: too many symbolic links`);
    return futurePath(resolve(dirname(absolute), link), links + 1, shown);
  }
  const parent = dirname(absolute);
  if (parent === absolute) return absolute;
  return join(await futurePath(parent, links, shown), basename(absolute));
}

/** A catch handler: a missing file is `undefined`, anything else stops the run with a clear reason. */
function missingOr(shown: string): (error: NodeJS.ErrnoException) => undefined {
  return (error) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') throw new Error(`cannot write ${shown}: a parent is not a directory`);
    if (error.code === 'ELOOP') throw new Error(`cannot write ${shown}: too many symbolic links`);
    throw new Error(`cannot write ${shown}: ${error.message}`);
  };
}
