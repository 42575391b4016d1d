import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../../governance/index.ts';
import { lint, withLine } from '../../workers/governance/fixtures.ts';

// Hostile manifests the linter must refuse at once: expanded, parsed or matched naively, each takes
// minutes or all memory. What they are refused with is tested in workerd (test/workers/governance); how
// long that takes is guarded here, where the clock moves while code runs. The test's time limit is the
// guard (vitest fails a test that outlives it, even one that never yields); nothing else is timed.
const HANG_GUARD_MS = 5_000;

describe('hostile input is refused without working through it', () => {
  it(
    'an alias bomb',
    () => {
      const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (const [name, previous] of ['ba', 'cb', 'dc', 'ed', 'fe', 'gf', 'hg', 'ih'])
        rows.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      expect(lint(rows.join('\n')).map((d) => d.rule)).toEqual(['QY002']);
    },
    HANG_GUARD_MS,
  );

  it(
    'flow collections nested 100,000 deep',
    () => {
      expect(lint(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`).map((d) => d.rule)).toEqual(['QY002']);
    },
    HANG_GUARD_MS,
  );

  it(
    'a long schema_version against a policy pattern that backtracks',
    () => {
      const result = resolvePolicy({ schemaVersionPattern: '^\\d*\\d*\\d*\\d*x$' });
      if (!result.ok) throw new Error(result.error);
      const text = withLine('  schema_version: v8', `  schema_version: "${'1'.repeat(600)}"`);
      expect(lint(text, result.policy).map((d) => d.rule)).toEqual(['QY023']);
    },
    HANG_GUARD_MS,
  );
});
