import { describe, expect, it } from 'vitest';
import { stripGovernance } from '../../../governance/index.ts';
import { diag, lint, VALID } from './fixtures.ts';

// An alias used as a mapping key is read by every YAML reader as its anchor's text: the field rules
// must see that key as written through the alias, neither missing nor unknown.

describe('a field given through an alias key', () => {
  it('counts as present: a required field written as `*k : value` is not reported missing', () => {
    const text = VALID.replace('  generated_by: eco-lint\n', '  generated_by: &o owner\n').replace(
      '  owner: platform-team\n',
      '  *o : platform-team\n',
    );
    expect(lint(VALID.replace('  generated_by: eco-lint\n', '  generated_by: owner\n'))).toEqual([]);
    expect(lint(text)).toEqual([]);
  });

  it('is checked like any other key: an unknown key through an alias is reported at the alias', () => {
    const text = VALID.replace('  generated_by: eco-lint\n', '  generated_by: &x colour\n').replace(
      '  owner: platform-team\n',
      '  owner: platform-team\n  *x : blue\n',
    );
    const line = text.split('\n').indexOf('  *x : blue') + 1;
    expect(lint(text)).toEqual([
      diag('QY014', 'warning', 'governance_info.colour', 'unknown key colour in governance_info', {
        line,
        column: 3,
      }),
    ]);
  });

  it('names a block: a governance block under an alias key is found as that block', () => {
    const text = VALID.replace('  generated_by: eco-lint\n', '  generated_by: &g governance_info\n').replace(
      'governance_info:\n',
      '*g :\n',
    );
    expect(lint(text)).toEqual([]);
  });
});

describe('stripping the governance blocks', () => {
  it('removes a block whose key is an alias of its name', () => {
    const text = 'kind: ConfigMap\nnote: &g governance_info\n*g :\n  owner: team\n';
    const stripped = stripGovernance(text);
    expect(stripped).toMatchObject({ ok: true, removedKeys: 1 });
    expect(stripped.ok && stripped.output).toBe('kind: ConfigMap\nnote: &g governance_info\n');
  });
});
