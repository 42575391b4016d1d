import { describe, expect, it } from 'vitest';
import { stripGovernance } from '../../../governance/index.ts';
import { diag, lint, VALID } from './fixtures.ts';

const DUPLICATE = 'Map keys must be unique';

describe('duplicate mapping keys (QY001)', () => {
  it('are found in nested block mappings, at the repeated key', () => {
    const text = VALID.replace('  owner: platform-team\n', '  owner: platform-team\n  owner: someone-else\n');
    const line = text.split('\n').indexOf('  owner: someone-else') + 1;
    expect(lint(text)).toEqual([diag('QY001', 'error', '', DUPLICATE, { line, column: 3 })]);
  });
  it('are found in flow mappings', () => {
    expect(lint('a: {x: 1, y: 2, x: 3}\n')).toEqual([
      diag('QY001', 'error', '', DUPLICATE, { line: 1, column: 17 }),
    ]);
  });
  it('compare scalars by value: 1 and "1" differ, null and ~ do not', () => {
    expect(lint('a: {1: x, "1": y}\n').map((d) => d.rule)).not.toContain('QY001');
    expect(lint('a: {null: x, ~: y}\n').map((d) => d.message)).toContain(DUPLICATE);
  });
  it('keep the other documents of the file checked', () => {
    const found = lint(`a: 1\na: 2\n---\n${VALID.slice(VALID.indexOf('# Governance'))}`);
    expect(found).toEqual([diag('QY001', 'error', '', DUPLICATE, { line: 2, column: 1 })]);
  });
  it('stop convert with a position', () => {
    expect(stripGovernance('kind: A\nkind: B\n')).toEqual({
      ok: false,
      error: DUPLICATE,
      line: 2,
      column: 1,
    });
  });
});
