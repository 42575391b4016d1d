import { describe, expect, it } from 'vitest';
import { lintFiles } from '../../../governance/index.ts';
import { VALID } from './fixtures.ts';

// RFC 4122 §3: UUID hex digits are case-insensitive on input, so these are one id written twice.
describe('QY060 and the case of a UUID', () => {
  it('reports a unique_id that differs from an earlier one only in case', () => {
    const upper = VALID.replaceAll(
      '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      '6BA7B810-9DAD-11D1-80B4-00C04FD430C8',
    ).replace('deployment/api"', 'deployment/api-2"');
    const report = lintFiles([
      { path: 'a.qyaml', content: VALID },
      { path: 'b.qyaml', content: upper },
    ]);
    expect(report.files[1]!.diagnostics.map((d) => [d.rule, d.message])).toEqual([
      ['QY060', 'unique_id "6BA7B810-9DAD-11D1-80B4-00C04FD430C8" is already used by a.qyaml:28'],
    ]);
  });

  it('keeps comparing ids that are not UUIDs exactly', () => {
    const other = VALID.replaceAll('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'ECO-ID-1').replace(
      'deployment/api"',
      'deployment/api-2"',
    );
    const lower = other.replaceAll('ECO-ID-1', 'eco-id-1').replace('api-2"', 'api-3"');
    const report = lintFiles([
      { path: 'a.qyaml', content: other },
      { path: 'b.qyaml', content: lower },
    ]);
    expect(report.files[1]!.diagnostics.filter((d) => d.rule === 'QY060')).toEqual([]);
  });
});
