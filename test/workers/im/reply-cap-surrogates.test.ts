import { describe, expect, it } from 'vitest';
import { capReply } from '../../../durable-objects/conversation/reply-cap.ts';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('capReply at the edge of the clipped window', () => {
  it('keeps no half of an emoji the window ends inside, even after a long whitespace run', () => {
    // 5 + 45,050 = 45,055 units: the window of 11 × 4096 = 45,056 ends between the emoji's two halves.
    const answer = `Hello${' '.repeat(45_050)}😀!`;
    const { parts, truncated } = capReply(answer, 4096, 10);
    expect(truncated).toBe(true);
    for (const part of parts)
      expect(LONE_SURROGATE.test(part), JSON.stringify(part.slice(0, 20))).toBe(false);
  });
});
