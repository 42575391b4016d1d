import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { shorten, shortList } from '../parse/numbers.ts';
import { yaml11BooleanProblem } from '../parse/yaml11.ts';

export const discoveryProtocol: Rule = {
  code: 'QY044',
  name: 'discovery-protocol',
  severity: 'error',
  rationale: 'discovery_protocol names the registry mechanism; a policy may restrict it to the ones it runs.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'discovery_protocol');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    const allowed = ctx.policy.discoveryProtocols;
    if (value === undefined) {
      report(
        at(
          ref.entry.value,
          ref.path,
          `discovery_protocol must be a string, found ${describe(ref.entry.value)}`,
        ),
      );
    } else if (allowed.length > 0 && !allowed.includes(value)) {
      report(
        at(
          ref.entry.value,
          ref.path,
          `discovery_protocol "${shorten(value)}" is not one of ${shortList(allowed, ', ')}`,
        ),
      );
    } else {
      const boolean = yaml11BooleanProblem(ref.entry.value);
      if (boolean) report(at(ref.entry.value, ref.path, `discovery_protocol ${boolean}`));
    }
  },
};
