import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';

export const registryTtl: Rule = {
  code: 'QY042',
  name: 'registry-ttl',
  severity: 'error',
  rationale: 'registry_ttl is a whole number of seconds, 0 or more, that registries can honour.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'registry_ttl');
    if (!ref) return;
    const node = ref.entry.value;
    if (isScalar(node) && Number.isInteger(node.value) && (node.value as number) >= 0) return;
    report(at(node, ref.path, `registry_ttl ${describe(node)} must be an integer of 0 or more`));
  },
};
