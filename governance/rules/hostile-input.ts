import type { Rule } from '../lint/context.ts';

export const hostileInput: Rule = {
  code: 'QY002',
  name: 'hostile-input',
  severity: 'error',
  rationale:
    'Alias bombs, extreme nesting and huge scalars are refused to keep linting bounded in time and memory.',
  checkFile(ctx, report) {
    for (const problem of ctx.file.problems) {
      if (problem.kind === 'hostile')
        report({ message: problem.message, path: '', offset: problem.offset, endOffset: problem.endOffset });
    }
  },
};
