/**
 * A seed for an engine that takes it unsigned (TGI, Triton's `random_seed`; a negative one fails their
 * request parsing), while OpenAI's may be negative: a negative seed is sent as its 32-bit two's
 * complement, so each seed still picks one sampling sequence.
 */
export function unsignedSeed(seed: number): number {
  return seed < 0 && seed >= -(2 ** 31) ? seed >>> 0 : Math.abs(seed);
}
