import { MAX_FRAME_CHARS } from '../streams/framed-decoder.ts';
import { NdjsonParser } from '../streams/ndjson.ts';
import type { ModelPull, PullProgress } from '../types.ts';

/**
 * `POST /api/pull`: NDJSON progress (`{"status","digest"?,"total"?,"completed"?}`) ending with
 * `{"status":"success"}`. A failure after the 200 is an `{"error":"…"}` line; a body that ends without
 * `success` did not finish either.
 */
export const ollamaPull: ModelPull = {
  build: (model) => ({
    method: 'POST',
    path: '/api/pull',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true }),
  }),
  progress() {
    const ndjson = new NdjsonParser();
    return {
      push(bytes) {
        const lines = ndjson.push(bytes).map(readProgress);
        // A line that never ends must not grow memory for the whole pull.
        if (ndjson.pending > MAX_FRAME_CHARS) {
          lines.push({ error: `a progress line larger than ${MAX_FRAME_CHARS} characters` });
        }
        return lines;
      },
      end: () => ndjson.end().map(readProgress),
    };
  },
};

export function readProgress(line: string): PullProgress {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { error: `malformed pull progress: ${line.slice(0, 120)}` };
  }
  if (parsed === null || typeof parsed !== 'object') return { error: 'malformed pull progress' };
  if (parsed.error !== undefined) return { error: String(parsed.error).slice(0, 500) };
  const out: PullProgress = { status: String(parsed.status ?? '') };
  if (typeof parsed.digest === 'string') out.digest = parsed.digest;
  if (typeof parsed.completed === 'number') out.completed = parsed.completed;
  if (typeof parsed.total === 'number') out.total = parsed.total;
  return out;
}
