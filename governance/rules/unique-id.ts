import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uniqueId: Rule = {
  code: 'QY020',
  name: 'unique-id',
  severity: 'error',
  rationale:
    'unique_id is a time-based UUID (version 1, RFC 4122 variant) so ids never collide across generators.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'document_metadata', 'unique_id');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    const problem = uuidProblem(value, ctx.policy.uuidVersions);
    if (problem) report(at(ref.entry.value, ref.path, `unique_id ${describe(ref.entry.value)} ${problem}`));
  },
};

/** The key two ids are compared by: UUIDs are case-insensitive on input (RFC 4122 §3), other ids are not. */
export function idKey(value: string): string {
  return UUID.test(value) ? value.toLowerCase() : value;
}

/** Why a value is not an acceptable UUID, or undefined when it is. */
export function uuidProblem(value: string | undefined, versions: number[]): string | undefined {
  if (value === undefined || !UUID.test(value)) return 'is not a UUID';
  const version = Number.parseInt(value.charAt(14), 16);
  if (!versions.includes(version)) {
    const expected = versions.map((v) => `version ${v}`).join(' or ');
    return `is a version ${version} UUID; expected ${expected}`;
  }
  if (!'89ab'.includes(value.charAt(19).toLowerCase())) return 'does not carry the RFC 4122 variant';
  return undefined;
}
