import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, parsePolicyText, resolvePolicy } from '../../../governance/index.ts';
import { lint, VALID, withLine } from './fixtures.ts';

describe('policy files', () => {
  it('reads YAML and merges over the defaults', () => {
    const result = parsePolicyText('namespaces: [acme]\nlimits:\n  maxDepth: 10\nrules:\n  QY031: error\n');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.namespaces).toEqual(['acme']);
    expect(result.policy.limits).toEqual({ ...DEFAULT_POLICY.limits, maxDepth: 10 });
    expect(result.policy.lifecyclePolicies).toEqual(DEFAULT_POLICY.lifecyclePolicies);
    expect(result.policy.rules).toEqual({ QY031: 'error' });
  });
  it('reads JSON', () => {
    const result = parsePolicyText('{"endpointSchemes": ["https"]}');
    expect(result.ok && result.policy.endpointSchemes).toEqual(['https']);
  });
  it('rejects unknown keys and bad values with a message', () => {
    expect(parsePolicyText('namespace: [x]\n')).toMatchObject({ ok: false });
    expect(resolvePolicy({ rules: { QY031: 'loud' } })).toMatchObject({ ok: false });
    expect(resolvePolicy({ schemaVersionPattern: '(' })).toEqual({
      ok: false,
      error: 'invalid policy: schemaVersionPattern is not a valid regular expression',
    });
    expect(parsePolicyText('a: [\n')).toMatchObject({ ok: false });
  });
  it('refuses schemaVersionPattern shapes that backtrack without bound', () => {
    for (const pattern of ['^(a+)+$', '^(a|aa)*$', '^(a)\\1$', '^(\\d+){1,3}$', '^a?a?a?a?a?aaaaa$']) {
      expect(resolvePolicy({ schemaVersionPattern: pattern })).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^invalid policy: schemaVersionPattern: /),
      });
    }
    for (const pattern of ['^v\\d+$', '^v\\d+(\\.\\d+)?$', '^(?:v1|v8)$', '^v[0-9+*?]{1,3}$', '^v\\d{2}$']) {
      expect(resolvePolicy({ schemaVersionPattern: pattern }).ok).toBe(true);
    }
  });
  // How long it takes is guarded in test/node/governance/hostile-time.test.ts (workerd's clock stands
  // still while code runs).
  it('matches schema_version whatever its length', () => {
    const result = resolvePolicy({ schemaVersionPattern: '^\\d*\\d*\\d*\\d*x$' });
    if (!result.ok) throw new Error(result.error);
    const text = withLine('  schema_version: v8', `  schema_version: "${'1'.repeat(600)}"`);
    expect(lint(text, result.policy).map((d) => d.rule)).toEqual(['QY023']);
  });
  it('changes what the rules accept', () => {
    const result = resolvePolicy({ namespaces: ['acme'] });
    if (!result.ok) throw new Error(result.error);
    expect(lint(VALID, result.policy).map((d) => d.rule)).toEqual(['QY021', 'QY022']);
    const text = withLine('  schema_version: v8', '  schema_version: "1.0"');
    const relaxed = resolvePolicy({ schemaVersionPattern: '^\\d+\\.\\d+$' });
    if (!relaxed.ok) throw new Error(relaxed.error);
    expect(lint(text, relaxed.policy)).toEqual([]);
  });
});
