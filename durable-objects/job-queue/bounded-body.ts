import { readAtMost } from '../../workers/http/read-at-most.ts';

/**
 * A response body read as text up to `maxBytes`; null (and the rest cancelled) when it is larger, so
 * an oversized answer is neither held in memory nor written to storage.
 */
export async function readBounded(response: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    return null;
  }
  if (!response.body) return '';
  const { bytes, over } = await readAtMost(response.body, maxBytes);
  return over ? null : new TextDecoder().decode(bytes);
}
