/**
 * OpenAI's log-probability for a token too unlikely to score. Engines write a non-finite value (a token
 * the sampler ruled out) as null, which typed clients reject where they expect a number.
 */
const UNLIKELY = -9999;
const utf8 = new TextEncoder();

/** A token's log-probability as OpenAI gives it: the engine's when finite, else the floor. */
export function finiteLogprob(logprob: unknown): number {
  return typeof logprob === 'number' && Number.isFinite(logprob) ? logprob : UNLIKELY;
}

/** OpenAI's `bytes` of a token: its UTF-8. */
export function tokenBytes(token: string): number[] {
  return Array.from(utf8.encode(token));
}
