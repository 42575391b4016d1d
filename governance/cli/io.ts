import { open, stat } from 'node:fs/promises';

// Fatal: a file in another encoding must not be linted as replacement characters and pass.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** How `-` (standard input) is named in reports. */
export const STDIN_PATH = '-';
export const STDIN_NAME = '<stdin>';

export type Input = { content: string; unreadBytes?: undefined } | { content: ''; unreadBytes: number };

/**
 * Reads a UTF-8 file, or standard input for `-`. Input of more than 3 bytes per allowed character is
 * over the size limit whatever it holds (UTF-8 spends at most 3 bytes on a UTF-16 unit), so it is only
 * measured, never held: a huge file costs neither the memory nor the time to read it.
 */
export async function readInput(path: string, maxChars: number): Promise<Input> {
  const maxBytes = 3 * maxChars + 2;
  const name = path === STDIN_PATH ? STDIN_NAME : path;
  const read = path === STDIN_PATH ? await readStdin(maxBytes) : await readBounded(path, maxBytes);
  if (read.bytes === undefined) return { content: '', unreadBytes: read.size };
  return { content: decode(read.bytes, name) };
}

/**
 * Reads a UTF-8 file whole (a policy file, a manifest to generate from), refusing one over the size
 * limit without reading it, as `readInput` does.
 */
export async function readText(path: string, maxChars: number): Promise<string> {
  const read = await readBounded(path, 3 * maxChars + 2);
  if (read.bytes === undefined) {
    throw new Error(`${path} is ${read.size} bytes, over the limit of ${maxChars} characters`);
  }
  return decode(read.bytes, path);
}

interface Read {
  size: number;
  /** The bytes, when there were at most the bound. */
  bytes: Uint8Array | undefined;
}

async function readBounded(path: string, maxBytes: number): Promise<Read> {
  try {
    const info = await stat(path);
    // A FIFO or a device would block or never end: only regular files are read.
    if (!info.isFile()) throw new Error(`${path} is not a regular file`);
    if (info.size > maxBytes) return { size: info.size, bytes: undefined };
    const handle = await open(path, 'r');
    try {
      const bytes = await handle.readFile();
      return { size: bytes.length, bytes };
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new Error(
      code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(error as Error).message}`,
    );
  }
}

/** Standard input to its end; past the bound, bytes are only counted. */
async function readStdin(maxBytes: number): Promise<Read> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= maxBytes) chunks.push(buffer);
    else chunks.length = 0;
  }
  return { size, bytes: size <= maxBytes ? Buffer.concat(chunks) : undefined };
}

function decode(bytes: Uint8Array, name: string): string {
  try {
    return UTF8.decode(bytes);
  } catch (error) {
    // A RangeError is a string longer than the engine can hold, not an encoding problem.
    if (error instanceof RangeError) throw new Error(`${name} is too large to read`);
    // Windows PowerShell 5 writes UTF-16 with `>`: say so, rather than leave the author guessing.
    if (startsWithUtf16Bom(bytes)) {
      throw new Error(
        `${name} is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8; save it as UTF-8`,
      );
    }
    throw new Error(`${name} is not valid UTF-8`);
  }
}

function startsWithUtf16Bom(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  );
}
