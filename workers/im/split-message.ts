/**
 * Split a long answer into messages of at most `limit` UTF-16 units (how the platforms count), cutting
 * at the latest paragraph break, then line break, then sentence end, then space, that keeps a part at
 * least half full; only a run without any of those is cut hard, and never inside a surrogate pair.
 * Whitespace at the cuts is dropped, nothing else: the parts joined equal the text modulo whitespace.
 */
const SENTENCE_END = /[.!?;:。！？；…](?=\s|$)|[。！？]/g;

export function splitMessage(text: string, limit: number): string[] {
  const max = Math.max(2, Math.floor(limit));
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = cutIndex(rest, max);
    const part = rest.slice(0, cut).trimEnd();
    rest = rest.slice(cut).trimStart();
    if (part !== '') parts.push(part);
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

function cutIndex(text: string, max: number): number {
  const floor = Math.ceil(max / 2);
  const paragraph = text.lastIndexOf('\n\n', max);
  if (paragraph >= floor) return paragraph;
  const line = text.lastIndexOf('\n', max);
  if (line >= floor) return line;
  const window = text.slice(0, max + 1);
  let sentence = -1;
  for (const match of window.matchAll(SENTENCE_END)) {
    const end = match.index + match[0].length;
    if (end <= max) sentence = end;
  }
  if (sentence >= floor) return sentence;
  for (let i = max; i >= floor; i--) {
    if (/\s/.test(text[i] ?? '')) return i;
  }
  return graphemeCut(text, max);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The start of the grapheme that straddles `max`; the code point at `max` is enough context to see it. */
function graphemeCut(text: string, max: number): number {
  let start = 0;
  for (const segment of graphemes.segment(text.slice(0, max + 2))) {
    if (segment.index > max) break;
    start = segment.index;
  }
  if (start > 0) return start;
  return isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
