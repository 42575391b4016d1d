import { EcoError } from '../../schemas/errors.ts';
import { bodyCompression, decompressAtMost } from './content-encoding.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';
import { readAtMost } from './read-at-most.ts';

export interface JsonBodyOptions {
  /** What an empty body stands for; without it an empty body is a 400. */
  empty?: unknown;
}

/**
 * Read a request body as JSON under a byte limit. The limit is enforced while reading, so a client
 * that lies about (or omits) Content-Length cannot make the isolate buffer more than the limit.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  options: JsonBodyOptions = {},
): Promise<unknown> {
  const text = await readTextBody(request, maxBytes);
  if (text.trim().length === 0) {
    if ('empty' in options) return options.empty;
    throw new EcoError(400, 'invalid_json', 'The request body is empty; send JSON.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? `: ${err.message}` : '';
    throw new EcoError(400, 'invalid_json', `The request body is not valid JSON${detail}`);
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new EcoError(
      400,
      'invalid_request',
      `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  return value;
}

/** Decodes strictly: a byte that is not UTF-8 would otherwise become U+FFFD and change the text unseen. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text, decompressed first when its Content-Encoding is gzip or deflate. */
export async function readTextBody(request: Request, maxBytes: number): Promise<string> {
  const compression = bodyCompression(request.headers.get('content-encoding'));
  const bytes = await readBodyBytes(request, maxBytes);
  if (compression === undefined) return decodeUtf8(bytes, 'request body');
  return decodeUtf8(decompressAtMost(bytes, compression, maxBytes), 'request body');
}

/** `bytes` as text, or a 400 `invalid_encoding` naming `what` when they are not UTF-8. */
export function decodeUtf8(bytes: ArrayBuffer | ArrayBufferView, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new EcoError(400, 'invalid_encoding', `The ${what} is not valid UTF-8.`);
  }
}

/**
 * The body as the exact bytes received (signatures cover those bytes, not a re-serialization), refused
 * with 413 past `maxBytes` while reading, whatever Content-Length claims.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<ArrayBuffer> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new ArrayBuffer(0);
  // A declared length within the limit is enforced by HTTP framing: let the runtime read it natively.
  if (Number.isFinite(declared) && request.headers.has('content-length')) return request.arrayBuffer();
  const { bytes, over } = await readAtMost(request.body, maxBytes);
  if (over) throw tooLarge(maxBytes);
  // The buffer as it stands when the view covers it all (one chunk), else a copy of exactly the body.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

function tooLarge(maxBytes: number): EcoError {
  return new EcoError(413, 'body_too_large', `The request body exceeds ${maxBytes} bytes.`);
}
