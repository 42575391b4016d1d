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
  it('are found through an alias key, at the alias, even when the anchor is on an earlier key of the map', () => {
    const text = VALID.replace(
      '  unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"\n',
      '  &id unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"\n',
    ).replace('  schema_version: v8\n', '  schema_version: v8\n  *id : "other"\n');
    const line = text.split('\n').indexOf('  *id : "other"') + 1;
    expect(lint(text)).toEqual([diag('QY001', 'error', '', DUPLICATE, { line, column: 3 })]);
    expect(lint('a: {&k b: 1, *k : 2}\n')).toEqual([
      diag('QY001', 'error', '', DUPLICATE, { line: 1, column: 14 }),
    ]);
    // The anchor is a value elsewhere: the alias key still reads as its text.
    expect(lint('x: &k b\ny:\n  b: 1\n  *k : 2\n')).toEqual([
      diag('QY001', 'error', '', DUPLICATE, { line: 4, column: 3 }),
    ]);
  });
  it('compare an alias key by its anchor: another text differs, one collection twice does not', () => {
    expect(lint('x: &k c\ny: {b: 1, *k : 2}\n').map((d) => d.rule)).not.toContain('QY001');
    expect(lint('x: &k [c]\ny: {*k : 1, *k : 2}\n')).toContainEqual(
      diag('QY001', 'error', '', DUPLICATE, { line: 2, column: 13 }),
    );
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
