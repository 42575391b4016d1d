import { at, field, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';
import { numberText, readInteger } from '../parse/numbers.ts';

export const registryTtl: Rule = {
  code: 'QY042',
  name: 'registry-ttl',
  severity: 'error',
  rationale: 'registry_ttl is a whole number of seconds, 0 or more, that registries can honour.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'registry_ttl');
    if (!ref) return;
    const node = ref.entry.value;
    // A float such as 30.0 is refused too: registries read the value as a whole number of seconds.
    const reading = readInteger(node);
    if (reading?.ok && reading.value >= 0) return;
    const shown = numberText(node) ?? describe(node);
    const problem = reading && !reading.ok ? reading.problem : 'must be an integer of 0 or more';
    report(at(node, ref.path, `registry_ttl ${shown} ${problem}`));
  },
};
