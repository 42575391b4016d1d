import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe, seqItems } from '../parse/nodes.ts';
import { firstYaml11Boolean } from '../parse/yaml11.ts';

export const complianceTags: Rule = {
  code: 'QY030',
  name: 'compliance-tags',
  severity: 'error',
  rationale: 'compliance_tags is a non-empty list so every resource declares the regimes it falls under.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'governance_info', 'compliance_tags');
    if (!ref) return;
    const items = seqItems(ref.entry.value, ref.block.deref);
    if (!items) {
      report(
        at(ref.entry.value, ref.path, `compliance_tags must be a list, found ${describe(ref.entry.value)}`),
      );
    } else if (items.length === 0) {
      report(at(ref.entry.value, ref.path, 'compliance_tags must not be empty'));
    } else {
      const bad = items.find(
        (item) => !(isScalar(item) && typeof item.value === 'string' && item.value !== ''),
      );
      const boolean = bad ? undefined : firstYaml11Boolean(items);
      if (bad) report(at(bad, ref.path, `compliance_tags item ${describe(bad)} must be a non-empty string`));
      else if (boolean) report(at(boolean.node, ref.path, `compliance_tags item ${boolean.problem}`));
    }
  },
};
