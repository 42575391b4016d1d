import { describe, expect, it } from 'vitest';
import { overRunBudget } from '../../../governance/index.ts';

/** A block sequence of `n` items: two tokens (the indicator and the scalar) and one line break each. */
const items = (n: number) => '- x\n'.repeat(n);
const files = (...contents: string[]) => contents.map((content, i) => ({ path: `f${i}.qyaml`, content }));

describe('overRunBudget', () => {
  it('admits files that together hold exactly the budget, and names the file that passes it', () => {
    const limits = { maxTokens: 100 };
    expect(overRunBudget(files(items(10), items(5)), limits, 45)).toBeUndefined();
    // `a: 1` is three tokens and a line break.
    expect(overRunBudget(files(items(10), items(5), 'a: 1\n'), limits, 48)).toEqual({
      fileIndex: 2,
      budget: 48,
    });
  });

  it('counts tokens as the lexer finds them, not the cheap bound: a comment is one line, however many words', () => {
    const commented = `${'# many words in a comment\n'.repeat(50)}a: 1\n`;
    expect(overRunBudget(files(commented, commented, commented), { maxTokens: 1000 }, 162)).toBeUndefined();
    expect(overRunBudget(files(commented, commented, commented), { maxTokens: 1000 }, 161)).toEqual({
      fileIndex: 2,
      budget: 161,
    });
  });

  it('counts blank and comment lines: the parser pays for each, though they hold no token', () => {
    expect(overRunBudget(files('#\n'.repeat(100)), { maxTokens: 1000 }, 99)).toEqual({
      fileIndex: 0,
      budget: 99,
    });
    expect(overRunBudget(files('\n'.repeat(100)), { maxTokens: 1000 }, 100)).toBeUndefined();
  });

  it('counts the tokens of a file over its own limit up to one past it: lexing it that far costs too', () => {
    const limits = { maxTokens: 20 };
    expect(overRunBudget(files(items(50)), limits, 71)).toBeUndefined();
    expect(overRunBudget(files(items(50), items(1)), limits, 73)).toEqual({ fileIndex: 1, budget: 73 });
  });

  it('counts lines broken by lone CRs as the parser sees them, not as the one long line the lexer would', () => {
    const crOnly = '- x\r'.repeat(10);
    expect(overRunBudget(files(crOnly), { maxTokens: 100 }, 29)).toEqual({ fileIndex: 0, budget: 29 });
    expect(overRunBudget(files(crOnly), { maxTokens: 100 }, 30)).toBeUndefined();
  });
});
