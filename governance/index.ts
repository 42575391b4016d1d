// Public surface of the governance linter core. Pure: runs in workerd and in Node alike.
export { type StripResult, stripGovernance } from './convert/strip.ts';
export { formatJson } from './format/json.ts';
export { formatSarif, toSarif } from './format/sarif.ts';
export { formatText, type TextFormatOptions } from './format/text.ts';
export { type GenerateOptions, type GenerateResult, generateGovernance } from './generate/generate.ts';
export { type LintRun, lintFiles, lintRun, lintText, summarize } from './lint/lint.ts';
export { MAX_RUN_TOKENS, overRunBudget } from './lint/run-budget.ts';
export { BLOCK_NAMES, type BlockName } from './parse/blocks.ts';
export { DEFAULT_POLICY, type LintLimits, type Policy } from './policy/default-policy.ts';
export { parseJsonExact } from './policy/exact-json.ts';
export { type PolicyResult, parsePolicyText, resolvePolicy } from './policy/load-policy.ts';
export { RULES } from './rules/index.ts';
export type {
  Diagnostic,
  FileReport,
  LintReport,
  LintSummary,
  RuleMeta,
  Severity,
  SourceFile,
} from './types.ts';
