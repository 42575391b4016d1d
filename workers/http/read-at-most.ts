import { joinBytes } from '../../origins/http1/join-bytes.ts';

/**
 * At most `maxBytes` of a body, read no further than it takes to tell: `over` says the body is longer,
 * and then the rest is cancelled, so a huge or endless body never sits in memory.
 */
export async function readAtMost(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; over: boolean }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: joinBytes(chunks), over: false };
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      await reader.cancel().catch(() => {});
      return { bytes: joinBytes(chunks), over: true };
    }
    size += value.byteLength;
    chunks.push(value);
  }
}
