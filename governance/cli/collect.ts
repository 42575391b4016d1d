import { readdir, realpath, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { globBase, globToRegExp, isGlob } from './glob.ts';
import { STDIN_PATH } from './io.ts';

const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const EXTENSION = '.qyaml';

/**
 * Expands files, directories (recursing to *.qyaml) and globs into a sorted, de-duplicated list.
 * A directory or glob that yields no file is an error, like a path that does not exist.
 */
export async function collectFiles(
  inputs: readonly string[],
  options: { stdin?: boolean } = {},
): Promise<string[]> {
  const found = new Set<string>();
  // `-` is standard input (where the command reads it): listed first, once, however often it is given.
  const stdin = options.stdin === true && inputs.includes(STDIN_PATH);
  for (const input of inputs) {
    if (stdin && input === STDIN_PATH) continue;
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) {
      const files = (await walk(input)).filter((file) => file.endsWith(EXTENSION));
      // A directory named explicitly is meant to hold manifests: an empty one is most likely a wrong
      // path, and skipping it would let CI pass without checking what was intended.
      if (files.length === 0) throw new Error(`no .qyaml files found in ${input}`);
      for (const file of files) found.add(file);
    } else if (info) {
      found.add(normalize(input));
    } else if (isGlob(input)) {
      const pattern = globToRegExp(input.replace(/^\.\//, ''));
      const base = globBase(input);
      const matches = (await walk(base).catch(() => [])).filter((file) =>
        pattern.test(file.replace(/^\.\//, '')),
      );
      if (matches.length === 0) throw new Error(`no files match ${input}`);
      for (const file of matches) found.add(file);
    } else {
      throw new Error(`no such file or directory: ${input}`);
    }
  }
  const files = await onePathPerFile([...found].sort());
  return stdin ? [STDIN_PATH, ...files] : files;
}

/**
 * Keeps the first path (in sorted order) of each real file: a file reached twice, through a link or
 * overlapping inputs, would otherwise be linted twice and report its own unique_id as a duplicate.
 */
async function onePathPerFile(paths: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const path of paths) {
    // A path that does not resolve (a dangling link) is kept so reading it reports the problem.
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) continue;
    seen.add(real);
    kept.push(path);
  }
  return kept;
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  const pending = [dir];
  // Symbolic links are followed; each real directory is entered once, so link loops end.
  const visited = new Set<string>();
  while (pending.length > 0) {
    const current = pending.pop()!;
    const real = await realpath(current);
    if (visited.has(real)) continue;
    visited.add(real);
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = current === '.' ? entry.name : join(current, entry.name);
      const kind = entry.isSymbolicLink() ? await linkKind(path) : entry;
      if (kind.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) pending.push(path);
      } else if (kind.isFile()) {
        files.push(path);
      }
    }
  }
  return files;
}

/** What a link points to; a dangling link is kept as a file so reading it reports the problem. */
async function linkKind(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean }> {
  return (await stat(path).catch(() => undefined)) ?? { isDirectory: () => false, isFile: () => true };
}
