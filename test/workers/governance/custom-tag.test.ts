import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, RULES } from '../../../governance/index.ts';
import { diag, lint, locate, VALID, withLine } from './fixtures.ts';

// kubectl reads a value under an unknown tag as if it were untagged, PyYAML's safe_load refuses the
// whole file, and an unsafe loader runs `!!python/object/apply`: readers disagree, so a tag outside the
// YAML 1.2 core schema is reported wherever it stands.
describe('QY005 custom-tag', () => {
  it('is a documented rule', () => {
    expect(RULES.find((rule) => rule.code === 'QY005')).toMatchObject({
      name: 'custom-tag',
      severity: 'error',
    });
  });

  it.each([
    ['!Ref', '  owner: !Ref Owner'],
    ['!!python/object:os.system', '  owner: !!python/object:os.system [ls]'],
    ['!!python/object/apply:os.system', '  owner: !!python/object/apply:os.system ["id"]'],
    ['!local', '  owner: !local {a: b}'],
  ])('reports %s in a governance block at the tag', (tag, line) => {
    const text = withLine('  owner: platform-team', line);
    const found = lint(text).filter((d) => d.rule === 'QY005');
    expect(found).toEqual([
      diag(
        'QY005',
        'error',
        '',
        `tag ${tag} is outside the YAML 1.2 core schema: kubectl ignores it, other YAML readers refuse the file`,
        locate(text, tag),
      ),
    ]);
  });

  it('reports a tag in a Kubernetes object too, and a named %TAG handle as written', () => {
    const text = `%TAG !e! tag:example.com,2000:\n---\n${withLine('  name: api', '  name: !e!name api')}`;
    expect(lint(text).filter((d) => d.rule === 'QY005')).toEqual([
      diag(
        'QY005',
        'error',
        '',
        'tag !e!name is outside the YAML 1.2 core schema: kubectl ignores it, other YAML readers refuse the file',
        locate(text, '!e!name'),
      ),
    ]);
  });

  it('accepts the standard tags, explicit or not', () => {
    for (const line of [
      '  owner: !!str platform-team',
      '  owner: ! platform-team',
      '  owner: !<tag:yaml.org,2002:str> platform-team',
    ]) {
      expect(lint(withLine('  owner: platform-team', line))).toEqual([]);
    }
    expect(lint(withLine('  registry_ttl: 30', '  registry_ttl: !!int 30'))).toEqual([]);
  });

  it.each([
    ['!!int', '  owner: platform-team', '  owner: !!int platform-team'],
    ['!!bool', '  owner: platform-team', '  owner: !!bool yes'],
    ['!!str', '  compliance_tags: [soc2]', '  compliance_tags: !!str [soc2]'],
    ['!!set', '  approval_chain: [platform-team]', '  approval_chain: !!set [platform-team]'],
    ['!!float', '  registry_ttl: 30', '  registry_ttl: !!float 0x1e'],
  ])('reports the standard tag %s where its value does not fit it', (tag, line, replacement) => {
    const text = withLine(line, replacement);
    expect(lint(text).filter((d) => d.rule === 'QY005')).toEqual([
      diag(
        'QY005',
        'error',
        '',
        `tag ${tag} does not fit its value: strict YAML readers refuse the file, others read another value`,
        locate(text, tag),
      ),
    ]);
  });

  it('reads a standard tag that does not fit a text field as no text', () => {
    const text = withLine('  owner: platform-team', '  owner: !!int platform-team');
    expect(lint(text).filter((d) => d.rule === 'QY015')).toEqual([
      diag(
        'QY015',
        'error',
        'governance_info.owner',
        'governance_info.owner must be a string, found !!int "platform-team"',
        locate(text, 'platform-team\n'),
      ),
    ]);
  });

  it('accepts a float tag on an integer, a float to every reader', () => {
    for (const vector of ['[!!float 1, 0.2, 0.3, 0.4]', '[!!float -1, 0.2, 0.3, !!float "4"]']) {
      const text = withLine('  coherence_vector: [0.1, 0.2, 0.3, 0.4]', `  coherence_vector: ${vector}`);
      expect(lint(text).map((d) => d.rule)).not.toContain('QY005');
    }
  });

  it('can be lowered or turned off by policy', () => {
    const text = withLine('  owner: platform-team', '  owner: !Ref Owner');
    expect(lint(text, { ...DEFAULT_POLICY, rules: { 'custom-tag': 'off' } })).toEqual([]);
    expect(lint(text, { ...DEFAULT_POLICY, rules: { QY005: 'warning' } }).map((d) => d.severity)).toEqual([
      'warning',
    ]);
    expect(lint(VALID)).toEqual([]);
  });
});
