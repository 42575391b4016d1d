import { describe, expect, it } from 'vitest';
import { formatText, lintFiles } from '../../../governance/index.ts';
import { withLine } from './fixtures.ts';

const TAGS = '  compliance_tags: [soc2]';

/** The text report's source line and caret line for the one diagnostic of a file. */
function excerpt(content: string): { source: string; caret: string } {
  const report = lintFiles([{ path: 'a.qyaml', content }]);
  expect(report.files[0]!.diagnostics).toHaveLength(1);
  const lines = formatText(report, { sources: new Map([['a.qyaml', content]]) }).split('\n');
  return { source: lines[2]!.slice(9), caret: lines[3]!.slice(9) };
}

// The caret goes under the offending character as a terminal shows the line: CJK and most emoji take
// two columns, combining marks and joiners none, and a tab reaches the next multiple of 8.
describe('the caret is aligned by display columns', () => {
  const cases: Array<[string, string, number]> = [
    ['CJK', '数据', 4],
    ['fullwidth letters', 'ｘｙ', 4],
    ['an emoji in one UTF-16 unit', '☕', 2],
    ['an emoji outside the BMP', '🚀', 2],
    ['a flag', '🇯🇵', 2],
    ['a joined emoji sequence', '👩‍💻', 2],
    ['an emoji with a skin tone', '👍🏽', 2],
    ['a text character made emoji by a selector', '❤️', 2],
    ['combining marks', 'e\u0301e\u0302', 2],
    ['Hangul', '한국', 4],
  ];
  for (const [name, written, width] of cases) {
    it(name, () => {
      const content = withLine(TAGS, `  compliance_tags: [${written}, 5]`);
      const { caret } = excerpt(content);
      expect(caret).toBe(`${' '.repeat('  compliance_tags: ['.length + width + ', '.length)}^`);
    });
  }

  it('tabs are shown expanded to the next tab stop, with the caret after them', () => {
    const content = withLine(TAGS, '  compliance_tags:\t[a,\t5]');
    const { source, caret } = excerpt(content);
    expect(source).toBe('  compliance_tags:      [a,     5]');
    expect(caret).toBe(`${' '.repeat(source.indexOf('5'))}^`);
  });

  it('a long line of wide characters is cut by columns around the caret, never inside a character', () => {
    const wide = '数'.repeat(150);
    const emoji = '🚀'.repeat(150);
    const content = withLine(TAGS, `  compliance_tags: [${wide}, ${emoji}, 5, ${wide}]`);
    const { source, caret } = excerpt(content);
    // Compared as a boolean: a lone surrogate in a failure message cannot even be reported.
    const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    expect(loneSurrogate.test(source)).toBe(false);
    const columns = [...source].reduce((sum, char) => sum + (char === ' ' || char < '\u0100' ? 1 : 2), 0);
    expect(columns).toBeLessThanOrEqual(160);
    const before = source.slice(0, source.indexOf(', 5,') + 2);
    const width = [...before].reduce((sum, char) => sum + (char < '\u0100' ? 1 : 2), 0);
    expect(caret.length - 1).toBe(width);
    expect(caret.trim()).toBe('^');
  });
});
