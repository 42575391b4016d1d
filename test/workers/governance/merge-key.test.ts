import { describe, expect, it } from 'vitest';
import { lint, withLine } from './fixtures.ts';

// YAML 1.2 has no merge keys: `<<` is an ordinary key, so the merged fields are not there. Kubernetes'
// YAML 1.1 parser would merge them; the report says why the fields count as missing.
describe('merge keys', () => {
  it('names the merge key instead of calling << an unknown key', () => {
    const content = withLine('  owner: platform-team', '  <<: {owner: platform-team}');
    const diagnostics = lint(content).map((d) => [d.rule, d.message]);
    expect(diagnostics).toEqual([
      ['QY013', 'governance_info is missing required field owner'],
      [
        'QY014',
        'merge key << in governance_info is not supported (YAML 1.2 reads it as an ordinary key); write the fields out',
      ],
    ]);
  });
});
