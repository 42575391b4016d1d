import { EcoError } from '../../schemas/errors.ts';

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
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? `: ${err.message}` : '';
    throw new EcoError(400, 'invalid_json', `The request body is not valid JSON${detail}`);
  }
}

/** Decodes strictly: a byte that is not UTF-8 would otherwise become U+FFFD and change the text unseen. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export async function readTextBody(request: Request, maxBytes: number): Promise<string> {
  const bytes = await readBodyBytes(request, maxBytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new EcoError(400, 'invalid_encoding', 'The request body is not valid UTF-8.');
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
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

function tooLarge(maxBytes: number): EcoError {
  return new EcoError(413, 'body_too_large', `The request body exceeds ${maxBytes} bytes.`);
}
