import { at, type Rule } from '../lint/context.ts';
import { findBadMerges } from '../parse/merge-values.ts';

export const mergeValue: Rule = {
  code: 'QY004',
  name: 'merge-value',
  severity: 'error',
  rationale:
    'Kubernetes reads << as a YAML 1.1 merge key and refuses an object whose << holds anything but mappings.',
  checkFile(ctx, report) {
    // Most files merge nothing: they are not walked again.
    if (!ctx.file.source.includes('<<')) return;
    for (const bad of findBadMerges(ctx.file.documents)) {
      report(at(bad.node, bad.path, `${bad.message}; kubectl refuses ${bad.object}`));
    }
  },
};
