import { describe, expect, it } from 'vitest';
import { parsePolicyText, resolvePolicy } from '../../../governance/index.ts';

// A rule set by its code and by its name would take one of the two severities without a word.
describe('a rule set twice in one policy', () => {
  it('is refused when its code and its name are both given', () => {
    expect(resolvePolicy({ rules: { QY031: 'off', 'lifecycle-policy': 'error' } })).toEqual({
      ok: false,
      error: 'invalid policy: rules.lifecycle-policy: QY031 is already set as rules.QY031; set it once',
    });
    expect(parsePolicyText('rules:\n  lifecycle-policy: warning\n  QY031: warning\n').ok).toBe(false);
  });

  it('still takes one setting per rule, by code or by name', () => {
    const result = resolvePolicy({ rules: { QY031: 'off', 'health-check-probe': 'error' } });
    expect(result.ok).toBe(true);
  });
});
