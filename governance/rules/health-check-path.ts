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
    if (value === NOT_APPLICABLE || (value !== undefined && isProbePath(value))) return;
    const message = `health_check_path ${describe(ref.entry.value)} must start with / (or be ${NOT_APPLICABLE})`;
    report(at(ref.entry.value, ref.path, message));
  },
};

/** An absolute HTTP path without whitespace: what a registry can probe. */
export function isProbePath(value: string): boolean {
  return value.startsWith('/') && !/\s/.test(value);
}
