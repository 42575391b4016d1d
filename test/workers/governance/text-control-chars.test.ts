import { describe, expect, it } from 'vitest';
import { formatText, lintFiles } from '../../../governance/index.ts';
import { withLine } from './fixtures.ts';

// Keys and values are the author's text: printed raw, a newline or an escape sequence in them could
// forge report lines (a fake "OK:" summary) in a CI log.
describe('text format and control characters', () => {
  it('keeps each diagnostic on one line and prints no control characters', () => {
    const content = withLine(
      '  owner: platform-team',
      '  owner: platform-team\n  "x\\nOK: 1 file checked, 0 errors\\e[2K\\u202e": 1',
    );
    const text = formatText(lintFiles([{ path: 'a.qyaml', content }]), {
      sources: new Map([['a.qyaml', content]]),
    });
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('OK'))).toHaveLength(1);
    expect(lines.at(-1)).toBe('OK: 1 file checked, 0 errors, 1 warning');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain(
      'unknown key x\\nOK: 1 file checked, 0 errors\\u001b[2K\\u202e in governance_info',
    );
  });
});
