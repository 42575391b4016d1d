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
    const scheme = ctx.policy.namespaces.find((ns) => value.startsWith(`${ns}://`));
    if (scheme === undefined) {
      const expected = shortList(
        ctx.policy.namespaces.map((ns) => `${ns}://`),
        ' or ',
      );
      report(at(ref.entry.value, ref.path, `uri ${describe(ref.entry.value)} must start with ${expected}`));
      return;
    }
    // A URI holds no blanks: "eco-base:// " names nothing a registry could resolve.
    const rest = value.slice(scheme.length + 3);
    if (rest.length > 0 && !/\s/.test(rest)) return;
    const problem = rest.length === 0 ? 'names no resource' : 'holds blanks, which no URI may';
    report(at(ref.entry.value, ref.path, `uri ${describe(ref.entry.value)} ${problem} after ${scheme}://`));
  },
};
