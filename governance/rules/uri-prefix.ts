import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { shortList } from '../parse/numbers.ts';

export const uriPrefix: Rule = {
  code: 'QY021',
  name: 'uri-prefix',
  severity: 'error',
  rationale:
    'uri addresses the resource in the platform namespace (eco-base://…) so registries can resolve it.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'document_metadata', 'uri');
    if (!ref) return;
    const value = stringValue(ref.entry.value) ?? '';
    const ok = ctx.policy.namespaces.some(
      (ns) => value.startsWith(`${ns}://`) && value.length > ns.length + 3,
    );
    if (ok) return;
    const expected = shortList(
      ctx.policy.namespaces.map((ns) => `${ns}://`),
      ' or ',
    );
    report(at(ref.entry.value, ref.path, `uri ${describe(ref.entry.value)} must start with ${expected}`));
  },
};
