import { describe, expect, it } from 'vitest';
import { formatJson, formatSarif, formatText, lintFiles, RULES } from '../../../governance/index.ts';
import { VALID, withLine, withUniqueId } from './fixtures.ts';

const BAD = withLine(
  '  lifecycle_policy: standard',
  '  lifecycle_policy: active',
  withUniqueId('not-a-uuid'),
);
const report = lintFiles([
  { path: 'k8s/bad.qyaml', content: BAD },
  {
    path: 'k8s/good.qyaml',
    content: VALID.replaceAll('9dad-11d1', '9dad-11d2').replace('deployment/api"', 'deployment/api-2"'),
  },
]);

describe('JSON format', () => {
  it('has exactly the documented shape', () => {
    const parsed = JSON.parse(formatJson(report));
    expect(Object.keys(parsed)).toEqual(['files', 'summary']);
    expect(parsed.summary).toEqual({ files: 2, errors: 1, warnings: 1 });
    expect(parsed.files[0]).toEqual({
      path: 'k8s/bad.qyaml',
      diagnostics: [
        {
          rule: 'QY020',
          severity: 'error',
          message: 'unique_id "not-a-uuid" is not a UUID',
          path: 'document_metadata.unique_id',
          line: 28,
          column: 14,
          endLine: 28,
          endColumn: 24,
        },
        {
          rule: 'QY031',
          severity: 'warning',
          message: 'lifecycle_policy "active" is not one of standard, ephemeral, critical',
          path: 'governance_info.lifecycle_policy',
          line: 40,
          column: 21,
          endLine: 40,
          endColumn: 27,
        },
      ],
    });
    expect(parsed.files[1]).toEqual({ path: 'k8s/good.qyaml', diagnostics: [] });
  });
});

describe('text format', () => {
  it('groups by file and shows the source line with a caret', () => {
    const text = formatText(report, { sources: new Map([['k8s/bad.qyaml', BAD]]) });
    const lines = text.split('\n');
    expect(lines[0]).toBe('k8s/bad.qyaml');
    expect(lines[1]).toBe(
      '  28:14    error   QY020  unique_id "not-a-uuid" is not a UUID  (document_metadata.unique_id)',
    );
    expect(lines[2]).toBe('    28 |   unique_id: not-a-uuid');
    expect(lines[3]).toBe('       |              ^^^^^^^^^^');
    expect(text).not.toContain('k8s/good.qyaml');
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAIL: 2 files checked, 1 error, 1 warning');
  });
});

describe('SARIF 2.1.0 format', () => {
  const sarif = JSON.parse(formatSarif(report));
  it('carries the schema, version and tool rules', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.runs).toHaveLength(1);
    const driver = sarif.runs[0].tool.driver;
    expect(driver.name).toBe('eco-lint');
    expect(driver.rules.map((r: { id: string }) => r.id)).toEqual(RULES.map((r) => r.code));
    for (const rule of driver.rules) {
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
    }
  });
  it('maps each diagnostic to a result with a location', () => {
    const results = sarif.runs[0].results;
    expect(results).toHaveLength(2);
    expect(results[0]).toEqual({
      ruleId: 'QY020',
      ruleIndex: RULES.findIndex((r) => r.code === 'QY020'),
      level: 'error',
      message: { text: 'unique_id "not-a-uuid" is not a UUID' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'k8s/bad.qyaml' },
            region: { startLine: 28, startColumn: 14, endLine: 28, endColumn: 24 },
          },
          logicalLocations: [{ fullyQualifiedName: 'document_metadata.unique_id', kind: 'member' }],
        },
      ],
    });
    expect(results[1].level).toBe('warning');
    const driverRules = sarif.runs[0].tool.driver.rules;
    for (const result of results) expect(driverRules[result.ruleIndex].id).toBe(result.ruleId);
  });
});
