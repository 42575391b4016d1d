import type { Rule } from '../lint/context.ts';

export const parseError: Rule = {
  code: 'QY001',
  name: 'parse-error',
  severity: 'error',
  rationale: 'A document that does not parse cannot be applied; the other documents are still checked.',
  checkFile(ctx, report) {
    for (const problem of ctx.file.problems) {
      if (problem.kind === 'syntax')
        report({ message: problem.message, path: '', offset: problem.offset, endOffset: problem.endOffset });
    }
  },
};
