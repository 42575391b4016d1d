import { describe, expect, it } from 'vitest';
import { lintText, parsePolicyText, resolvePolicy } from '../../../governance/index.ts';

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
  it.each([
    ['QY001', 'warning'],
    ['parse-error', 'info'],
    ['QY002', 'warning'],
    ['internal-error', 'info'],
  ])('refuses lowering %s to %s: a file that does not parse would pass CI', (rule, severity) => {
    expect(resolvePolicy({ rules: { [rule]: severity } })).toEqual({
      ok: false,
      error: `invalid policy: rules.${rule}: ${severity} would let a file that cannot be parsed or fully checked pass; set acceptUncheckedFiles: true as well to allow it`,
    });
  });
  it('lowers them only beside acceptUncheckedFiles: true, and never turns them off', () => {
    const lenient = {
      rules: { QY001: 'warning', 'hostile-input': 'info', QY000: 'error' },
      acceptUncheckedFiles: true,
    };
    expect(resolvePolicy(lenient).ok).toBe(true);
    expect(resolvePolicy({ rules: { QY001: 'warning' }, acceptUncheckedFiles: false }).ok).toBe(false);
    expect(resolvePolicy({ rules: { QY001: 'off' }, acceptUncheckedFiles: true })).toMatchObject({
      ok: false,
    });
    expect(parsePolicyText('acceptUncheckedFiles: "true"\nrules: {QY001: warning}\n')).toMatchObject({
      ok: false,
    });
  });
  it('keeps them errors by default and when set to error', () => {
    expect(resolvePolicy({ rules: { QY001: 'error' } }).ok).toBe(true);
  });
  it('a file that does not parse fails the run with the lenient key alone', () => {
    const result = resolvePolicy({ acceptUncheckedFiles: true });
    expect(result.ok && lintText('a.qyaml', 'a: 1\n b: 2\n', result.policy).summary.errors).toBeGreaterThan(
      0,
    );
  });
});
