import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lintText, overRunBudget } from '../../../governance/index.ts';
import { countTokens, upperBound } from '../../../governance/parse/token-count.ts';

// The cheap bound decides whether a file is lexed at all: a file it undercounts reaches the parser
// however many tokens it holds, so it must never be below the lexer's own count.
const ALL = Number.MAX_SAFE_INTEGER;

/** Characters that start, end or separate tokens, and a few that do neither. */
const piece = fc.constantFrom(
  '"',
  "'",
  '!',
  '!<>',
  '!!str',
  '&a',
  '*a',
  '|',
  '>',
  '|-',
  '>+2',
  '%',
  '@',
  '`',
  '#',
  '-',
  '?',
  ':',
  ',',
  '[',
  ']',
  '{',
  '}',
  '\\',
  '.',
  '---',
  '...',
  '\ufeff',
  'a',
  '1',
  ' ',
  '\t',
  '\n',
  '\n  ',
);

function expectBounded(source: string): void {
  expect(upperBound(source).tokens).toBeGreaterThanOrEqual(countTokens(source, ALL));
}

describe('the cheap token bound', () => {
  it('is never below the tokens the lexer finds, on adversarial soups of indicators', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }).map((parts) => parts.join('')),
        expectBounded,
      ),
      { numRuns: 3000 },
    );
  });

  it('is never below the lexer on back-to-back quoted scalars, tags and block scalar headers', () => {
    for (const source of [
      '"'.repeat(1000),
      "'".repeat(1000),
      '"a"'.repeat(300),
      '!<>'.repeat(300),
      '!a"b"'.repeat(200),
      '"a"&b'.repeat(200),
      '!a|\n'.repeat(200),
      '[a]|\n'.repeat(200),
      '- >\n'.repeat(200),
      `{${'"a":"b",'.repeat(200)}}`,
    ]) {
      expectBounded(source);
    }
  });

  it('refuses a file of two million double quotes as over the token limit', () => {
    const source = '"'.repeat(2_000_000);
    expect(lintText('q.qyaml', source).files[0]!.diagnostics.map((d) => [d.rule, d.message])).toEqual([
      ['QY002', 'file holds more than 100000 YAML tokens (the limit)'],
    ]);
  });

  it('counts back-to-back quoted scalars against the run budget', () => {
    // Each file stops at one past its own limit: two of them take a run past 200,000 tokens.
    const content = '""'.repeat(150_000);
    const files = [0, 1].map((i) => ({ path: `q${i}.qyaml`, content }));
    expect(overRunBudget(files, { maxTokens: 100_000 })).toEqual({ fileIndex: 1, budget: 200_000 });
  });
});
