import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../workers/im/split-message.ts';

const squash = (text: string) => text.replace(/\s+/g, '');
const wellFormed = (text: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

describe('splitMessage', () => {
  it('keeps short text whole and drops empty text', () => {
    expect(splitMessage('  Hello there.  ', 100)).toEqual(['Hello there.']);
    expect(splitMessage(' \n ', 100)).toEqual([]);
  });

  it('cuts at sentence ends rather than inside sentences', () => {
    const text = 'First sentence here. Second one is here! Third? Fourth sentence ends.';
    const parts = splitMessage(text, 45);
    expect(parts).toEqual(['First sentence here. Second one is here!', 'Third? Fourth sentence ends.']);
  });

  it('prefers paragraph breaks, then line breaks', () => {
    const text = `${'a'.repeat(30)}. ${'b'.repeat(10)}\n\n${'c'.repeat(20)}`;
    expect(splitMessage(text, 50)).toEqual([`${'a'.repeat(30)}. ${'b'.repeat(10)}`, 'c'.repeat(20)]);
    const lines = `${'x'.repeat(30)}\n${'y'.repeat(30)}`;
    expect(splitMessage(lines, 40)).toEqual(['x'.repeat(30), 'y'.repeat(30)]);
  });

  it('falls back to spaces, then to hard cuts that never split a surrogate pair', () => {
    expect(splitMessage('alpha beta gamma delta', 12)).toEqual(['alpha beta', 'gamma delta']);
    const emoji = '🙂'.repeat(10);
    const parts = splitMessage(emoji, 5);
    expect(parts.every(wellFormed)).toBe(true);
    expect(parts.join('')).toBe(emoji);
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(5);
  });

  it('hard cuts never split a grapheme: flags, joined emoji and combining marks stay whole', () => {
    expect(splitMessage(`${'a'.repeat(8)}🇯🇵`, 10)).toEqual(['a'.repeat(8), '🇯🇵']);
    const family = '👨‍👩‍👧';
    expect(splitMessage(`${'b'.repeat(6)}${family}`, 10)).toEqual(['b'.repeat(6), family]);
    expect(splitMessage(`${'c'.repeat(9)}e\u0301x`, 10)).toEqual(['c'.repeat(9), 'e\u0301x']);
    const flags = '🇯🇵🇫🇷🇩🇪'.repeat(4);
    const parts = splitMessage(flags, 7);
    expect(parts.join('')).toBe(flags);
    for (const part of parts) expect(part.length % 4).toBe(0);
  });

  it('property: every part within the limit, non-empty, well-formed; joined equals the text modulo whitespace', () => {
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 600 }),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(' ', '\n', '\n\n', '. ', '! ', '。', '🙂', 'データ'),
            fc.string({ maxLength: 12 }),
          ),
          {
            maxLength: 120,
          },
        )
        .map((pieces) => pieces.join('')),
    );
    fc.assert(
      fc.property(texts, fc.integer({ min: 2, max: 120 }), (text, limit) => {
        const parts = splitMessage(text, limit);
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          expect(part.length).toBeLessThanOrEqual(limit);
          expect(part).toBe(part.trim());
          expect(wellFormed(part)).toBe(true);
        }
        expect(squash(parts.join(''))).toBe(squash(text));
      }),
      { numRuns: 500 },
    );
  });

  it('property: text that fits is never split', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (text) => {
        fc.pre(text.trim() !== '');
        expect(splitMessage(text, 200)).toEqual([text.trim()]);
      }),
    );
  });
});
