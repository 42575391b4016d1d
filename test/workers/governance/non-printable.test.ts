import { describe, expect, it } from 'vitest';
import { diag, lint, locate, VALID, withLine } from './fixtures.ts';

// YAML 1.2 (§5.1) allows only printable characters in a stream; kubectl's parser refuses the others
// ("control characters are not allowed"), so a file carrying one must not lint clean.
describe('non-printable characters', () => {
  it.each([
    ['NUL', '\u0000', 'U+0000'],
    ['ESC', '\u001b', 'U+001B'],
    ['DEL', '\u007f', 'U+007F'],
    ['C1', '\u0086', 'U+0086'],
    ['noncharacter', '\uffff', 'U+FFFF'],
    ['lone surrogate (JSON requests can carry one)', '\ud800', 'U+D800'],
  ])('reports a raw %s as a parse error at its position', (_name, char, code) => {
    const content = withLine('  owner: platform-team', `  owner: platform${char}team`);
    expect(lint(content)).toEqual([
      diag('QY001', 'error', '', `non-printable character ${code} is not allowed in YAML`, {
        ...locate(content, char),
      }),
    ]);
  });

  it("still checks the file's other documents", () => {
    const content = `kind: ConfigMap\nmetadata:\n  name: "a\u0007"\n---\n${VALID.split('---\n').at(-1)}`;
    expect(lint(content).map((d) => d.rule)).toEqual(['QY001']);
  });

  it('accepts tab, CR, NEL, BOM and non-ASCII text', () => {
    const content = withLine('  owner: platform-team', '  owner: "plätform\tteam\u0085 🙂"');
    expect(lint(`\ufeff${content.replaceAll('\n', '\r\n')}`)).toEqual([]);
  });
});
