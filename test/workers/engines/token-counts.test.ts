import { describe, expect, it } from 'vitest';
import { readUsage } from '../../../origins/openai-compatible/scan.ts';
import { MAX_TOKEN_COUNT, tokenCount } from '../../../origins/token-count.ts';

// Usage is billed and summed: an engine's count is taken only when it is one. An absurd count would
// bill absurdly and, summed over a few hundred rows, overflow the usage queries.

describe('token counts from an engine', () => {
  it('takes whole numbers from 0 to the bound, as numbers or digit strings', () => {
    expect(tokenCount(0)).toBe(0);
    expect(tokenCount(MAX_TOKEN_COUNT)).toBe(MAX_TOKEN_COUNT);
    expect(tokenCount('128')).toBe(128);
    expect(tokenCount(String(MAX_TOKEN_COUNT))).toBe(MAX_TOKEN_COUNT);
  });

  it('refuses what is not a count: beyond the bound, fractions, negatives and other types', () => {
    for (const value of [
      MAX_TOKEN_COUNT + 1,
      Number.MAX_SAFE_INTEGER,
      String(MAX_TOKEN_COUNT + 1),
      '9007199254740991',
      1.5,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      null,
      '',
      [7],
      false,
    ]) {
      expect(tokenCount(value), String(value)).toBeUndefined();
    }
  });

  it('reads a usage object with an absurd count as no usage, so the gateway estimates and flags it', () => {
    expect(
      readUsage({ prompt_tokens: Number.MAX_SAFE_INTEGER, completion_tokens: 3, total_tokens: 3 }),
    ).toBeUndefined();
    expect(readUsage({ prompt_tokens: 2, completion_tokens: 3 })).toMatchObject({ total_tokens: 5 });
  });
});
