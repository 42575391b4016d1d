import { normalizeLineBreaks } from '../parse/line-breaks.ts';
import { countTokens, upperBound } from '../parse/token-count.ts';
import type { LintLimits } from '../policy/default-policy.ts';
import type { SourceFile } from '../types.ts';

/**
 * YAML tokens and line breaks one run of the Worker route may parse, across all its files. Parsing and
 * linting cost up to about 10 µs of CPU per token and a few µs per line (blank and comment lines
 * included, which hold no token), so this bounds a request to about a second; the per-file limits
 * alone would let a 5 MiB body cost many times that.
 */
export const MAX_RUN_TOKENS = 200_000;

export interface RunOverBudget {
  /** Index of the first file that takes the run past the budget. */
  fileIndex: number;
  budget: number;
}

/**
 * Whether the files hold more than `budget` tokens and line breaks together, each file counted as the
 * parser would see it (line breaks normalized first, as `parseFile` does: a file broken by lone CRs is
 * one long line to the lexer), its tokens no further than one past its own limit. A file over its
 * limit is not parsed, but lexing it to find that out costs too, so it counts. A single file within its
 * limit and under 100,000 lines is thus never over the budget. The cheap upper bound settles most runs;
 * only a run that may be over is lexed, and no further than the budget.
 */
export function overRunBudget(
  sources: readonly SourceFile[],
  limits: Pick<LintLimits, 'maxTokens'>,
  budget = MAX_RUN_TOKENS,
): RunOverBudget | undefined {
  const perFile = limits.maxTokens + 1;
  const texts = sources.map((source) => normalizeLineBreaks(source.content));
  const lines = texts.map(lineBreaks);
  let bound = 0;
  texts.forEach((text, i) => {
    bound += Math.min(perFile, upperBound(text).tokens) + lines[i]!;
  });
  if (bound <= budget) return undefined;
  let spent = 0;
  for (let i = 0; i < texts.length; i++) {
    spent += lines[i]!;
    if (spent <= budget) spent += countTokens(texts[i]!, Math.min(perFile, budget - spent + 1));
    if (spent > budget) return { fileIndex: i, budget };
  }
  return undefined;
}

function lineBreaks(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
  return n;
}
