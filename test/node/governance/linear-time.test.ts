import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, generateGovernance, lintText } from '../../../governance/index.ts';

// A quadratic pass over these inputs takes minutes; linear ones take well under a second. The test's
// time limit is the guard (a hang fails it), with a wide margin for a slow machine: nothing is timed.
const HANG_GUARD_MS = 20_000;

// 60,000 keys are 180,000 tokens: over the default token limit, within one a policy may set.
const ROOMY = { ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, maxTokens: 250_000 } };

function rules(content: string) {
  return lintText('big.qyaml', content, ROOMY).files[0]!.diagnostics;
}

describe('large but legal input never meets a quadratic pass', () => {
  it(
    'checks a flow mapping with many keys for duplicates without a quadratic pass',
    () => {
      const keys = Array.from({ length: 60_000 }, (_, i) => `k${i}: v`);
      const value = rules(`data: {${keys.join(', ')}, k7: again}\n`);
      expect(value.map((d) => [d.rule, d.message])).toEqual([['QY001', 'Map keys must be unique']]);
    },
    HANG_GUARD_MS,
  );

  it(
    'checks a block mapping with many keys for duplicates without a quadratic pass',
    () => {
      const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: v`);
      const value = rules(`data:\n${keys.join('\n')}\n  k0: again\n`);
      expect(value).toEqual([
        {
          rule: 'QY001',
          severity: 'error',
          message: 'Map keys must be unique',
          path: '',
          line: 60_002,
          column: 3,
          endLine: 60_002,
          endColumn: 5,
        },
      ]);
    },
    HANG_GUARD_MS,
  );

  it(
    'generates for a manifest with a long run of blanks without a quadratic pass',
    () => {
      const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b${' '.repeat(400_000)}#c\n`;
      const value = generateGovernance(manifest);
      expect(value.ok).toBe(true);
    },
    HANG_GUARD_MS,
  );
});
