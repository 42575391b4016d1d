/**
 * Deterministic text for emulated completions: the same prompt, seed and length always give the same
 * tokens, so tests can assert on exact output. Tokens are short words with a leading space, and some
 * multi-byte characters so that UTF-8 handling is exercised end to end.
 */
const WORDS = [
  'edge',
  'model',
  'token',
  'stream',
  'origin',
  'pool',
  'queue',
  'lease',
  'breaker',
  'shard',
  'route',
  'latency',
  'budget',
  'window',
  'signal',
  'engine',
  'cluster',
  'replica',
  'prompt',
  'answer',
  'naïve',
  'café',
  'über',
  'smörgåsbord',
  'データ',
  '模型',
  '🙂',
  'δ',
  'ñ',
  'fjord',
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for reproducible text. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateTokens(prompt: string, count: number, seed = 0): string[] {
  const next = prng(hash(prompt) ^ seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = WORDS[Math.floor(next() * WORDS.length)]!;
    out.push(i === 0 ? word[0]!.toUpperCase() + word.slice(1) : ` ${word}`);
  }
  if (out.length > 0) out[out.length - 1] += '.';
  return out;
}

/** A rough token count of a text, as engines would report it (whitespace-separated pieces). */
export function countTokens(text: string): number {
  const pieces = text.trim().split(/\s+/).filter(Boolean).length;
  return Math.max(1, pieces);
}

/** A deterministic unit-length embedding of the text. */
export function embed(text: string, dimensions = 16): number[] {
  const next = prng(hash(text));
  const raw = Array.from({ length: dimensions }, () => next() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((s, v) => s + v * v, 0)) || 1;
  return raw.map((v) => Number((v / norm).toFixed(6)));
}
