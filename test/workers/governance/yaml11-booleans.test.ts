import { describe, expect, it } from 'vitest';
import { diag, lint, locate, VALID, withLine } from './fixtures.ts';

// YAML 1.2 reads a plain `no` or `on` as text; YAML 1.1 readers (kubectl's, PyYAML) read a boolean, so a
// text field written that way holds text for this linter and false or true for them.
const problem = (value: string) =>
  `${value} is unquoted: YAML 1.2 reads text, YAML 1.1 readers read a boolean; quote it`;

describe('YAML 1.1 booleans in text fields', () => {
  it.each(['no', 'No', 'NO', 'yes', 'on', 'ON', 'off', 'Off', 'y', 'N'])('reports owner: %s', (value) => {
    const text = withLine('  owner: platform-team', `  owner: ${value}`);
    expect(lint(text)).toEqual([
      diag('QY015', 'error', 'governance_info.owner', `governance_info.owner ${problem(value)}`, {
        line: locate(text, `owner: ${value}`).line,
        column: 10,
      }),
    ]);
  });

  it('reports one in a list of text, and in a string-or-list field', () => {
    const chain = withLine('  approval_chain: [platform-team]', '  approval_chain: [platform-team, On]');
    expect(lint(chain).map((d) => [d.rule, d.message])).toEqual([
      ['QY015', `governance_info.approval_chain item ${problem('On')}`],
    ]);
    const keyword = withLine('  function_keyword: [api]', '  function_keyword: n');
    expect(lint(keyword).map((d) => [d.rule, d.message])).toEqual([
      ['QY015', `vector_alignment_map.function_keyword ${problem('n')}`],
    ]);
  });

  it('reports one in compliance_tags, discovery_protocol and k8s_namespace, at the value', () => {
    const tags = withLine('  compliance_tags: [soc2]', '  compliance_tags: [soc2, Y]');
    expect(lint(tags)).toEqual([
      diag('QY030', 'error', 'governance_info.compliance_tags', `compliance_tags item ${problem('Y')}`, {
        line: locate(tags, 'Y]').line,
        column: locate(tags, 'Y]').column,
      }),
    ]);
    const protocol = withLine('  discovery_protocol: k8s-dns', '  discovery_protocol: OFF');
    expect(lint(protocol).map((d) => [d.rule, d.message])).toEqual([
      ['QY044', `discovery_protocol ${problem('OFF')}`],
    ]);
    const namespace = withLine('  k8s_namespace: eco-base', '  k8s_namespace: off').replaceAll(
      'namespace: eco-base',
      'namespace: "off"',
    );
    expect(lint(namespace).map((d) => [d.rule, d.message])).toEqual([
      ['QY043', `k8s_namespace ${problem('off')}`],
    ]);
  });

  it('accepts them quoted or tagged as text, and other words as they are', () => {
    for (const value of ['"no"', "'on'", '!!str yes', 'nope', 'true-ish', 'ok']) {
      expect(lint(withLine('  owner: platform-team', `  owner: ${value}`))).toEqual([]);
    }
    expect(lint(VALID)).toEqual([]);
  });
});
