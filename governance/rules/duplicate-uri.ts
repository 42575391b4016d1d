import type { Rule } from '../lint/context.ts';
import { reportDuplicates } from './duplicate-values.ts';

export const duplicateUri: Rule = {
  code: 'QY061',
  name: 'duplicate-uri',
  severity: 'warning',
  rationale: 'Two documents claiming the same uri usually means one was copied without being renamed.',
  checkRun(files, report) {
    reportDuplicates(files, 'uri', report);
  },
};
