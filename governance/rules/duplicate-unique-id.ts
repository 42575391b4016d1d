import type { Rule } from '../lint/context.ts';
import { reportDuplicates } from './duplicate-values.ts';

export const duplicateUniqueId: Rule = {
  code: 'QY060',
  name: 'duplicate-unique-id',
  severity: 'error',
  rationale: 'unique_id identifies one document; two files sharing it make audit trails ambiguous.',
  checkRun(files, report) {
    reportDuplicates(files, 'unique_id', report);
  },
};
