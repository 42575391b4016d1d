import { joinBytes } from '../../../origins/http1/join-bytes.ts';

/**
 * How much of a send API answer is kept. Success is decided by the status alone; the body only adds
 * hints (Retry-After in JSON, Meta error codes, details for logs), which fit in far less than this.
 */
export const SEND_ANSWER_MAX_BYTES = 64 * 1024;

const decoder = new TextDecoder();

/**
 * The start of an answer's body as text: at most `maxBytes`, waiting at most `waitMs`. A body that
 * breaks off, stalls or never ends yields what arrived by then, never an error: once the status is
 * known the platform has decided, and treating a delivered part as a network failure would send it
 * twice. The rest of the body is cancelled, so a huge answer never sits in memory.
 */
export async function readAnswer(
  body: ReadableStream<Uint8Array> | null,
  waitMs: number,
  maxBytes = SEND_ANSWER_MAX_BYTES,
): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, waitMs));
  });
  try {
    while (size < maxBytes) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === 'timeout' || next.done) break;
      const kept = next.value.subarray(0, maxBytes - size);
      chunks.push(kept);
      size += kept.byteLength;
    }
  } catch {
    // A broken body: what arrived is all the hint there is.
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  return decoder.decode(joinBytes(chunks));
}
