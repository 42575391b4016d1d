import { readFile, stat } from 'node:fs/promises';

// Fatal: a file in another encoding must not be linted as replacement characters and pass.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads a UTF-8 file, turning Node's error into a one-line message. */
export async function readText(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    // A FIFO or a device would block or never end: only regular files are read.
    if (!(await stat(path)).isFile()) throw new Error(`${path} is not a regular file`);
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new Error(
      code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(error as Error).message}`,
    );
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new Error(`${path} is not valid UTF-8`);
  }
}
