import { describe, expect, it } from 'vitest';
import { overRunBudget } from '../../../governance/index.ts';

/** A block sequence of `n` items: two tokens each (the indicator and the scalar). */
const items = (n: number) => '- x\n'.repeat(n);
const files = (...contents: string[]) => contents.map((content, i) => ({ path: `f${i}.qyaml`, content }));

describe('overRunBudget', () => {
  it('admits files that together hold exactly the budget, and names the file that passes it', () => {
    const limits = { maxTokens: 100 };
    expect(overRunBudget(files(items(10), items(5)), limits, 30)).toBeUndefined();
    expect(overRunBudget(files(items(10), items(5), 'a: 1\n'), limits, 30)).toEqual({
      fileIndex: 2,
      budget: 30,
    });
  });

  it('counts tokens as the lexer finds them, not the cheap bound (comments and blanks are free)', () => {
    const commented = `${'# many words in a comment\n'.repeat(50)}a: 1\n`;
    expect(overRunBudget(files(commented, commented, commented), { maxTokens: 1000 }, 20)).toBeUndefined();
  });

  it('spends nothing on a file over its own limit: it is reported, not parsed', () => {
    const limits = { maxTokens: 20 };
    expect(overRunBudget(files(items(50), items(50), items(10)), limits, 20)).toBeUndefined();
    expect(overRunBudget(files(items(50), items(10), items(1)), limits, 20)).toEqual({
      fileIndex: 2,
      budget: 20,
    });
  });
});
