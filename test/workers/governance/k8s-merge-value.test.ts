import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, lintText, RULES } from '../../../governance/index.ts';
import { diag, expectOnly, lint, locate, VALID } from './fixtures.ts';

// Kubernetes reads YAML 1.1: a `<<` whose value is not a mapping or a list of mappings makes its reader
// fail ("map merge requires map or sequence of maps as the value"), so kubectl refuses the object.
const GOVERNANCE = VALID.slice(VALID.indexOf('# Governance'));

function withObject(data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: eco-base\ndata:\n${data}---\n${GOVERNANCE}`;
}

const REFUSES = 'kubectl refuses ConfigMap/settings';

describe('QY004 merge-value', () => {
  it('is an error by default, and documented', () => {
    expect(RULES.find((rule) => rule.code === 'QY004')).toMatchObject({
      name: 'merge-value',
      severity: 'error',
    });
  });

  it('reports a scalar merged in, with its span', () => {
    const text = withObject('  x:\n    <<: plain\n');
    expectOnly(
      text,
      diag(
        'QY004',
        'error',
        'data.x.<<',
        `merge key << merges a string, not a mapping or a list of mappings; ${REFUSES}`,
        locate(text, 'plain'),
      ),
    );
    const d = lintText('a.qyaml', text).files[0]!.diagnostics[0]!;
    expect(d).toMatchObject({ endLine: d.line, endColumn: d.column + 'plain'.length });
  });

  it('reports an alias of a scalar or of a list, naming the alias', () => {
    const text = withObject('  s: &s hello\n  l: &l [{a: 1}]\n  x:\n    <<: *s\n  y:\n    <<: *l\n');
    expect(lint(text).map((d) => [d.rule, d.message, d.line])).toEqual([
      [
        'QY004',
        `merge key << merges a string (through *s), not a mapping or a list of mappings; ${REFUSES}`,
        10,
      ],
      [
        'QY004',
        `merge key << merges a list (through *l), not a mapping or a list of mappings; ${REFUSES}`,
        12,
      ],
    ]);
  });

  it('reports the first list item that is not a mapping', () => {
    const text = withObject('  m: &m {a: 1}\n  x:\n    <<: [*m, {b: 2}, 3, x]\n');
    expectOnly(
      text,
      diag(
        'QY004',
        'error',
        'data.x.<<',
        `merge key << list item 3 is a number, not a mapping; ${REFUSES}`,
        locate(text, '3, x]'),
      ),
    );
  });

  it('reports an empty merge key at the key', () => {
    const text = withObject('  x:\n    <<:\n    a: 1\n');
    expectOnly(
      text,
      diag(
        'QY004',
        'error',
        'data.x.<<',
        `merge key << merges nothing, not a mapping or a list of mappings; ${REFUSES}`,
        locate(text, '<<:'),
      ),
    );
  });

  it('looks into lists and into the objects of every document, and names an object without a name by its kind', () => {
    const text = `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          <<: [1]\n---\n${GOVERNANCE}`;
    const found = lint(text).filter((d) => d.rule === 'QY004');
    expect(found.map((d) => [d.path, d.message])).toEqual([
      [
        'spec.template.spec.containers.0.<<',
        'merge key << list item 1 is a number, not a mapping; kubectl refuses Deployment',
      ],
    ]);
  });

  it('accepts a mapping, an alias of one, a list of them, an empty list, and a quoted "<<"', () => {
    const text = withObject(
      '  m: &m {a: 1}\n  a:\n    <<: {b: 1}\n  b:\n    <<: *m\n  c:\n    <<: [*m, {c: 1}]\n  d:\n    <<: []\n  e:\n    "<<": 5\n',
    );
    expect(lint(text)).toEqual([]);
  });

  it('leaves the governance blocks to QY014, even in a Kubernetes document', () => {
    const text = `kind: ConfigMap\nmetadata:\n  name: settings\n  namespace: eco-base\n${GOVERNANCE.replace('# Governance\n', '').replace('  owner: platform-team', '  owner: platform-team\n  <<: 5')}`;
    expect(lint(text).map((d) => d.rule)).toEqual(['QY014']);
  });

  it("a merge key in a document that is not a Kubernetes object is not Kubernetes' to read", () => {
    const text = `settings:\n  <<: 5\n---\n${GOVERNANCE}`;
    expect(lint(text)).toEqual([]);
  });

  it('can be lowered or turned off by a policy', () => {
    const text = withObject('  x:\n    <<: plain\n');
    expect(lint(text, { ...DEFAULT_POLICY, rules: { 'merge-value': 'warning' } })[0]?.severity).toBe(
      'warning',
    );
    expect(lint(text, { ...DEFAULT_POLICY, rules: { QY004: 'off' } })).toEqual([]);
  });
});
