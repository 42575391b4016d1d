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

  it('counts a file over its own limit up to one token past it: lexing it that far costs too', () => {
    const limits = { maxTokens: 20 };
    expect(overRunBudget(files(items(50)), limits, 21)).toBeUndefined();
    expect(overRunBudget(files(items(50), items(1)), limits, 22)).toEqual({ fileIndex: 1, budget: 22 });
  });

  it('counts lines broken by lone CRs as the parser sees them, not as the one long line the lexer would', () => {
    const crOnly = '- x\r'.repeat(10);
    expect(overRunBudget(files(crOnly), { maxTokens: 100 }, 19)).toEqual({ fileIndex: 0, budget: 19 });
    expect(overRunBudget(files(crOnly), { maxTokens: 100 }, 20)).toBeUndefined();
  });
});
