import { at, field, type Rule } from '../lint/context.ts';
import { lineOf } from '../lint/position.ts';
import { stringValue } from '../parse/nodes.ts';
import { shorten } from '../parse/numbers.ts';

export const namespaceMismatch: Rule = {
  code: 'QY070',
  name: 'namespace-mismatch',
  severity: 'warning',
  rationale:
    "k8s_namespace should be where the file's resources actually live, or discovery points elsewhere.",
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'k8s_namespace');
    const expected = ref ? stringValue(ref.entry.value) : undefined;
    if (!ref || expected === undefined) return;
    const reported = new Set<string>();
    for (const manifest of ctx.manifests) {
      const actual = manifest.namespace;
      if (actual === undefined || actual === expected || reported.has(actual)) continue;
      reported.add(actual);
      const object = `${manifest.kind}${manifest.name ? `/${manifest.name}` : ''}`;
      // A merged namespace is written away from the object: say where, so it can be found.
      const from = manifest.namespaceMergedFrom;
      const origin = from === undefined ? '' : ` (merged from line ${lineOf(ctx.file, from)})`;
      const message = `k8s_namespace "${shorten(expected)}" disagrees with metadata.namespace "${shorten(actual)}"${origin} of ${shorten(object)}`;
      report(at(ref.entry.value, ref.path, message));
    }
  },
};
