import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { shorten } from '../parse/numbers.ts';
import { MAX_MATCHED_LENGTH } from '../policy/pattern-safety.ts';

export const schemaVersion: Rule = {
  code: 'QY023',
  name: 'schema-version',
  severity: 'error',
  rationale: 'schema_version (v + digits) tells readers which revision of the governance schema applies.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'document_metadata', 'schema_version');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    // Length-capped so a policy pattern's matching time stays bounded (see pattern-safety.ts).
    const matchable = value !== undefined && value.length <= MAX_MATCHED_LENGTH;
    if (matchable && new RegExp(ctx.policy.schemaVersionPattern).test(value)) return;
    const message = `schema_version ${describe(ref.entry.value)} does not match ${shorten(ctx.policy.schemaVersionPattern)}`;
    report(at(ref.entry.value, ref.path, message));
  },
};
