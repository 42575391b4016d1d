import type { Rule } from '../lint/context.ts';

/** Reported by the engine itself when a rule fails: a linter bug must never pass a file silently. */
export const internalError: Rule = {
  code: 'QY000',
  name: 'internal-error',
  severity: 'error',
  rationale: 'A rule failed on this input; the file could not be fully checked.',
};
