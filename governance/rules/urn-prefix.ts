import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { shortList } from '../parse/numbers.ts';

/** `value` is a urn in one of the platform namespaces (`urn:<ns>:` and something after it). */
export function inUrnNamespace(namespaces: readonly string[], value: string): boolean {
  return namespaces.some((ns) => value.startsWith(`urn:${ns}:`) && value.length > ns.length + 5);
}

export const urnPrefix: Rule = {
  code: 'QY022',
  name: 'urn-prefix',
  severity: 'error',
  rationale: 'urn names the resource in the platform namespace (urn:eco-base:…) independent of its location.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'document_metadata', 'urn');
    if (!ref) return;
    const value = stringValue(ref.entry.value) ?? '';
    if (inUrnNamespace(ctx.policy.namespaces, value)) return;
    const expected = shortList(
      ctx.policy.namespaces.map((ns) => `urn:${ns}:`),
      ' or ',
    );
    report(at(ref.entry.value, ref.path, `urn ${describe(ref.entry.value)} must start with ${expected}`));
  },
};
