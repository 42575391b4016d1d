import { normalizeLineBreaks } from '../parse/line-breaks.ts';
import { countTokens, upperBound } from '../parse/token-count.ts';
import type { LintLimits } from '../policy/default-policy.ts';
import type { SourceFile } from '../types.ts';

/**
 * YAML tokens one run of the Worker route may parse, across all its files. Parsing and linting cost
 * up to about 10 µs of CPU per token, so this bounds a request to one or two seconds; the per-file limit alone
 * would let a 5 MiB body of small, dense files cost many times that.
 */
export const MAX_RUN_TOKENS = 200_000;

export interface RunOverBudget {
  /** Index of the first file that takes the run past the budget. */
  fileIndex: number;
  budget: number;
}

/**
 * Whether the files hold more than `budget` tokens together, each counted as the parser would see it
 * (line breaks normalized first, as `parseFile` does: a file broken by lone CRs is one long line to
 * the lexer) and no further than one token past its own limit. A file over its limit is not parsed,
 * but lexing it to find that out costs too, so it counts; a single file is thus never over a budget of
 * at least its limit plus one. The cheap upper bound settles most runs; only a run that may be over is
 * lexed, and no further than the budget.
 */
export function overRunBudget(
  sources: readonly SourceFile[],
  limits: Pick<LintLimits, 'maxTokens'>,
  budget = MAX_RUN_TOKENS,
): RunOverBudget | undefined {
  const perFile = limits.maxTokens + 1;
  const texts = sources.map((source) => normalizeLineBreaks(source.content));
  let bound = 0;
  for (const text of texts) bound += Math.min(perFile, upperBound(text).tokens);
  if (bound <= budget) return undefined;
  let spent = 0;
  for (let i = 0; i < texts.length; i++) {
    spent += countTokens(texts[i]!, Math.min(perFile, budget - spent + 1));
    if (spent > budget) return { fileIndex: i, budget };
  }
  return undefined;
}
