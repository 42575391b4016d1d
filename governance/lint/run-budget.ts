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
 * Whether the files that will be parsed hold more than `budget` tokens together. A file over its own
 * token limit is reported without being parsed, so it spends nothing; a single file within its limit
 * is thus never over a budget at least that limit. The cheap upper bound settles most runs; only a run
 * that may be over is lexed, each file no further than one token past its limit.
 */
export function overRunBudget(
  sources: readonly SourceFile[],
  limits: Pick<LintLimits, 'maxTokens'>,
  budget = MAX_RUN_TOKENS,
): RunOverBudget | undefined {
  let bound = 0;
  for (const source of sources) bound += Math.min(limits.maxTokens, upperBound(source.content).tokens);
  if (bound <= budget) return undefined;
  let spent = 0;
  for (let i = 0; i < sources.length; i++) {
    const tokens = countTokens(sources[i]!.content, limits.maxTokens + 1);
    if (tokens > limits.maxTokens) continue;
    spent += tokens;
    if (spent > budget) return { fileIndex: i, budget };
  }
  return undefined;
}
