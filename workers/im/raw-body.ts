import { EcoError } from '../../schemas/errors.ts';

/**
 * The request body as the exact bytes received (signatures cover those bytes, not a re-serialization),
 * refused with 413 past `maxBytes` while reading, whatever Content-Length claims.
 */
export async function readRawBody(request: Request, maxBytes: number): Promise<ArrayBuffer> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new ArrayBuffer(0);
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
  return new EcoError(413, 'body_too_large', `The webhook body exceeds ${maxBytes} bytes.`);
}
