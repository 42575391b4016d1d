import { describe, expect, it } from 'vitest';
import { type Diagnostic, formatJson, formatText, lintFiles } from '../../../governance/index.ts';
import { VALID, withLine } from './fixtures.ts';

const OWNER = '  owner: platform-team';
const TAGS = '  compliance_tags: [soc2]';

function only(content: string, rule: string): Diagnostic {
  const found = lintFiles([{ path: 'a.qyaml', content }]).files[0]!.diagnostics.filter(
    (d) => d.rule === rule,
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The text report's source line and caret line for the one diagnostic of a file. */
function excerpt(content: string): { source: string; caret: string } {
  const report = lintFiles([{ path: 'a.qyaml', content }]);
  expect(report.files[0]!.diagnostics).toHaveLength(1);
  const lines = formatText(report, { sources: new Map([['a.qyaml', content]]) }).split('\n');
  return { source: lines[2]!.slice(9), caret: lines[3]!.slice(9) };
}

function underline(before: string, width: number): string {
  return `${' '.repeat(before.length)}${'^'.repeat(width)}`;
}

describe('the text report underlines the whole offending span', () => {
  it('a quoted value, quotes included', () => {
    const { caret } = excerpt(withLine(TAGS, '  compliance_tags: "soc2"  # a note'));
    expect(caret).toBe(underline('  compliance_tags: ', '"soc2"'.length));
  });

  it('a key', () => {
    const { caret } = excerpt(withLine(OWNER, `${OWNER}\n  classfication: internal`));
    expect(caret).toBe(underline('  ', 'classfication'.length));
  });

  it('a flow list, by display columns when it holds wide characters', () => {
    const { caret } = excerpt(withLine(OWNER, '  owner: [数据, 🚀]'));
    // [ 数 据 , space 🚀 ] = 1 + 2 + 2 + 1 + 1 + 2 + 1 columns
    expect(caret).toBe(underline('  owner: ', 10));
  });

  it('a span holding a tab, by the tab expanded', () => {
    const { source, caret } = excerpt(withLine(OWNER, '  owner: [a,\tb]'));
    expect(source).toBe('  owner: [a,    b]');
    expect(caret).toBe(underline('  owner: ', '[a,    b]'.length));
  });

  it('a value over several lines, to the last character of its first line', () => {
    const text = withLine(OWNER, '  owner:\n    - a    \n    - bb   # trailing note\n\n');
    const { source, caret } = excerpt(text);
    expect(source).toBe('    - a    ');
    expect(caret).toBe(underline('    ', '- a'.length));
  });

  it('a single character keeps a single caret', () => {
    const { caret } = excerpt(withLine(TAGS, '  compliance_tags: [soc2, 5]'));
    expect(caret).toBe(underline('  compliance_tags: [soc2, ', 1));
  });

  it('a span longer than the shown part of a long line is cut with it', () => {
    const long = 'x'.repeat(400);
    const { source, caret } = excerpt(withLine(OWNER, `  owner: [${long}]`));
    expect(source).toBe(`  owner: [${long}`.slice(0, 160));
    expect(caret).toBe(underline('  owner: ', 160 - '  owner: '.length));
  });

  it('a point finding keeps one caret', () => {
    const text = VALID.replace(/^vector_alignment_map:[\s\S]*$/m, '');
    expect(only(text, 'QY010').endLine).toBeUndefined();
    expect(excerpt(text).caret).toBe('^');
  });
});

describe('each diagnostic carries where its span ends', () => {
  it('just after the last character, as SARIF counts', () => {
    const text = withLine(TAGS, '  compliance_tags: "soc2"');
    expect(only(text, 'QY030')).toMatchObject({ line: 39, column: 20, endLine: 39, endColumn: 26 });
  });

  it('a block list ends with its last item, not with the comments and blank lines after it', () => {
    const text = withLine(OWNER, '  owner:\n    - a\n    - bb   # trailing note\n\n');
    expect(only(text, 'QY015')).toMatchObject({ line: 38, column: 5, endLine: 39, endColumn: 9 });
  });

  it('a block scalar ends with its last line of text', () => {
    const text = withLine(TAGS, '  compliance_tags: |\n    soc2\n    iso   \n');
    expect(only(text, 'QY030')).toMatchObject({ line: 39, column: 20, endLine: 41, endColumn: 8 });
  });

  it('a parse error spans what the parser names', () => {
    const text = 'a: 1\na: 2\n';
    expect(only(text, 'QY001')).toMatchObject({ line: 2, column: 1, endLine: 2, endColumn: 2 });
  });

  it('columns of the first line do not count a byte order mark, at the end either', () => {
    const d = only('\uFEFF%YAML 1.2\n---\na: 1\n', 'QY003');
    expect(d).toMatchObject({ line: 1, column: 1, endLine: 1, endColumn: 10 });
  });

  it('the JSON report adds the ends only where they are known', () => {
    const text = withLine(TAGS, '  compliance_tags: "soc2"').replace(/^vector_alignment_map:[\s\S]*$/m, '');
    const parsed = JSON.parse(formatJson(lintFiles([{ path: 'a.qyaml', content: text }])));
    const [missing, tags] = parsed.files[0].diagnostics;
    expect(Object.keys(missing)).toEqual(['rule', 'severity', 'message', 'path', 'line', 'column']);
    expect(Object.keys(tags)).toEqual([
      'rule',
      'severity',
      'message',
      'path',
      'line',
      'column',
      'endLine',
      'endColumn',
    ]);
  });
});
