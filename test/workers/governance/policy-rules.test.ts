import { describe, expect, it } from 'vitest';
import { parsePolicyText, resolvePolicy } from '../../../governance/index.ts';

// A misspelt rule would otherwise be ignored and the rule keep its default severity unnoticed.
describe('policy rules keys', () => {
  it('refuses a code that names no rule', () => {
    expect(parsePolicyText('rules:\n  QY31: off\n')).toEqual({
      ok: false,
      error: 'invalid policy: rules.QY31: unknown rule; use a code (QY031) or a name (lifecycle-policy)',
    });
  });
  it('refuses a misspelt rule name', () => {
    expect(resolvePolicy({ rules: { 'lifecycle-polcy': 'off' } })).toMatchObject({ ok: false });
  });
  it('accepts codes and names', () => {
    const result = resolvePolicy({ rules: { QY031: 'error', 'health-check-probe': 'off' } });
    expect(result.ok).toBe(true);
  });
});

// Turning these off would let an unparseable or hostile file pass clean, with nothing reported.
describe('rules that report files that could not be checked', () => {
  it.each(['QY001', 'parse-error', 'QY002', 'internal-error'])('refuses turning %s off', (rule) => {
    expect(resolvePolicy({ rules: { [rule]: 'off' } })).toEqual({
      ok: false,
      error: `invalid policy: rules.${rule}: cannot be off; a file that cannot be parsed or fully checked is always reported`,
    });
  });
  it('accepts any other severity for them (still reported)', () => {
    expect(resolvePolicy({ rules: { QY001: 'warning', 'hostile-input': 'info', QY000: 'error' } }).ok).toBe(
      true,
    );
  });
});
