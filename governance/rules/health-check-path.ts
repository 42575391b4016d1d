import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { NOT_APPLICABLE } from './service-endpoint.ts';

export const healthCheckPath: Rule = {
  code: 'QY041',
  name: 'health-check-path',
  severity: 'error',
  rationale: 'health_check_path is an absolute HTTP path (or n/a) that the registry can probe.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'health_check_path');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    if (value === NOT_APPLICABLE) return;
    const problem = value === undefined ? undefined : probePathProblem(value);
    if (value !== undefined && problem === undefined) return;
    const message = `health_check_path ${describe(ref.entry.value)} ${problem ?? `must start with / (or be ${NOT_APPLICABLE})`}`;
    report(at(ref.entry.value, ref.path, message));
  },
};

/** Why a value is not an absolute HTTP path a registry can probe, or undefined when it is one. */
function probePathProblem(value: string): string | undefined {
  if (value.toLowerCase() === NOT_APPLICABLE)
    return `must be written ${NOT_APPLICABLE}, in lower case, when there is no path to probe`;
  if (!value.startsWith('/')) return `must start with / (or be ${NOT_APPLICABLE})`;
  // `//host/path` is a reference to another host (RFC 3986 §4.2), not a path on this one.
  if (value.startsWith('//')) return 'starts with //, which names a host, not a path';
  if (/\s/.test(value)) return 'must not contain whitespace';
  return undefined;
}

/** An absolute HTTP path without whitespace: what a registry can probe. */
export function isProbePath(value: string): boolean {
  return probePathProblem(value) === undefined;
}
