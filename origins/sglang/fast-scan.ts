import type { MetaInfo } from './meta.ts';

/**
 * A light scan of one SGLang `/generate` event, `{"text":"…","output_ids":[…],"meta_info":{…}}` as
 * orjson writes it. With cumulative text every event repeats everything sent so far (and every output
 * id), so parsing each in full costs O(length) and a stream O(length²). JSON escapes each character on
 * its own, so the raw text of the previous event is a prefix of this one's: the scan checks that
 * prefix, decodes only the new suffix, skips `output_ids`, and parses only the small `meta_info`.
 * Anything unexpected returns undefined and the caller parses the event in full.
 */
const TEXT_OPEN = '{"text":"';
const META_KEY = '"meta_info":';

export interface ScannedEvent {
  /** Raw (still escaped) text of the `text` string literal. */
  raw: string;
  /** New text since `previousRaw`, decoded. */
  delta: string;
  meta: MetaInfo;
}

export function scanEvent(data: string, previousRaw: string): ScannedEvent | undefined {
  if (!data.startsWith(TEXT_OPEN)) return undefined;
  const start = TEXT_OPEN.length;
  if (previousRaw.length > 0 && !data.startsWith(previousRaw, start)) return undefined;
  const from = start + previousRaw.length;
  const end = closingQuote(data, from);
  if (end === -1) return undefined;
  const rawDelta = data.slice(from, end);
  let delta: string;
  try {
    delta = rawDelta.includes('\\') ? (JSON.parse(`"${rawDelta}"`) as string) : rawDelta;
  } catch {
    return undefined;
  }
  const key = data.lastIndexOf(META_KEY);
  const close = data.lastIndexOf('}');
  if (key < end || close <= key) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(data.slice(key + META_KEY.length, close));
  } catch {
    return undefined;
  }
  if (meta === null || typeof meta !== 'object') return undefined;
  return { raw: data.slice(start, end), delta, meta: meta as MetaInfo };
}

/** Index of the first unescaped `"` at or after `from`, or -1. */
function closingQuote(data: string, from: number): number {
  let i = from;
  for (;;) {
    const q = data.indexOf('"', i);
    if (q === -1) return -1;
    let backslashes = 0;
    while (data.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}
