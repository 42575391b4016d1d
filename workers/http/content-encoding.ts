import { gunzipSync, inflateSync } from 'node:zlib';
import { EcoError } from '../../schemas/errors.ts';

export type BodyCompression = 'gzip' | 'deflate';

/**
 * The compression a request body is sent in, from its Content-Encoding: none (absent or `identity`),
 * gzip or deflate. Anything else is a 415 that says what is taken, rather than a body misread as text.
 */
export function bodyCompression(header: string | null): BodyCompression | undefined {
  if (header === null) return undefined;
  const coding = header.trim().toLowerCase();
  if (coding === '' || coding === 'identity') return undefined;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate') return 'deflate';
  const shown = header.length > 64 ? `${header.slice(0, 64)}…` : header;
  throw new EcoError(
    415,
    'unsupported_content_encoding',
    `Content-Encoding '${shown}' is not supported; send the body uncompressed, or as gzip or deflate.`,
    { param: 'content-encoding' },
  );
}

/**
 * `compressed` decompressed, refused with 413 once it inflates past `maxBytes`: the limit is on what the
 * body encodes, so a small body cannot expand into an unbounded one. zlib rather than
 * DecompressionStream: workerd reports a corrupt stream's failure as an unhandled rejection too.
 */
export function decompressAtMost(
  compressed: ArrayBuffer,
  format: BodyCompression,
  maxBytes: number,
): Uint8Array {
  const input = new Uint8Array(compressed);
  try {
    // zlib refuses a maxOutputLength below 1; an empty limit still takes an empty body.
    const options = { maxOutputLength: Math.max(1, maxBytes) };
    const out = format === 'gzip' ? gunzipSync(input, options) : inflateSync(input, options);
    if (out.byteLength > maxBytes) throw new RangeError('over the limit');
    return out;
  } catch (err) {
    if (err instanceof RangeError) {
      throw new EcoError(
        413,
        'body_too_large',
        `The request body exceeds ${maxBytes} bytes once decompressed.`,
      );
    }
    throw new EcoError(400, 'invalid_encoding', `The request body is not valid ${format} data.`);
  }
}
