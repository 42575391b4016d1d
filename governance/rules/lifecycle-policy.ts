import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { shortList } from '../parse/numbers.ts';

export const lifecyclePolicy: Rule = {
  code: 'QY031',
  name: 'lifecycle-policy',
  severity: 'warning',
  rationale:
    'lifecycle_policy uses the documented values (standard, ephemeral, critical) that tooling acts on.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'governance_info', 'lifecycle_policy');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    const allowed = ctx.policy.lifecyclePolicies;
    if (value !== undefined && allowed.includes(value)) return;
    const message = `lifecycle_policy ${describe(ref.entry.value)} is not one of ${shortList(allowed, ', ')}`;
    report(at(ref.entry.value, ref.path, message));
  },
};
