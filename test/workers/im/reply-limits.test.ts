import { describe, expect, it } from 'vitest';
import { ContextCache, type ContextLookup } from '../../../durable-objects/conversation/context-cache.ts';
import { fitPrompt, promptBudget } from '../../../durable-objects/conversation/prompt-fit.ts';
import { capReply, TRUNCATION_NOTE } from '../../../durable-objects/conversation/reply-cap.ts';
import type { HistoryMessage } from '../../../durable-objects/conversation/store.ts';
import { estimatePromptTokens } from '../../../workers/pipeline/token-estimate.ts';

describe('capReply: a reply is at most maxParts messages', () => {
  it('leaves a reply within the cap untouched', () => {
    expect(capReply('one. two. three.', 4096, 10)).toEqual({ parts: ['one. two. three.'], truncated: false });
  });

  it('cuts a 3 MB answer to maxParts parts, each within the limit, ending with a visible note', () => {
    const huge = 'All work and no play makes a long answer. '.repeat(75_000);
    expect(huge.length).toBeGreaterThan(3_000_000);
    const { parts, truncated } = capReply(huge, 4096, 10);
    expect(truncated).toBe(true);
    expect(parts).toHaveLength(10);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.at(-1)?.endsWith(TRUNCATION_NOTE)).toBe(true);
  });

  it('uses a bare ellipsis when the limit is too small for the note', () => {
    expect(capReply('a'.repeat(30), 10, 3)).toEqual({
      parts: Array(3).fill('a'.repeat(10)),
      truncated: false,
    });
    const { parts, truncated } = capReply('a'.repeat(31), 10, 3);
    expect(truncated).toBe(true);
    expect(parts).toHaveLength(3);
    expect(parts.at(-1)).toMatch(/…$/);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(10);
  });

  it('never splits a surrogate pair at the cut', () => {
    const { parts } = capReply('😀'.repeat(5000), 4096, 1);
    expect(parts[0]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(parts[0]?.length).toBeLessThanOrEqual(4096);
  });
});

describe('fitPrompt: the newest history that fits the token budget', () => {
  const turn = (i: number): HistoryMessage[] => [
    { role: 'user', content: `question ${i} ${'x'.repeat(400)}` },
    { role: 'assistant', content: `answer ${i} ${'y'.repeat(400)}` },
  ];
  const history = [1, 2, 3, 4, 5].flatMap(turn);
  const user: HistoryMessage = { role: 'user', content: 'latest' };

  it('sends everything when it fits', () => {
    const fitted = fitPrompt('Be brief.', history, user, 100_000);
    expect(fitted.omitted).toBe(0);
    expect(fitted.messages).toHaveLength(12);
  });

  it('leaves out the oldest messages, never opening with an orphan answer', () => {
    const fitted = fitPrompt('Be brief.', history, user, 400);
    expect(estimatePromptTokens(fitted.messages)).toBeLessThanOrEqual(400);
    expect(fitted.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(fitted.messages[1]?.role).toBe('user');
    expect(fitted.messages[1]?.content).toMatch(/^question [45]/);
    expect(fitted.messages.at(-1)).toEqual(user);
  });

  it('always keeps the system prompt and the message itself', () => {
    expect(fitPrompt('sys', history, user, 1).messages).toEqual([{ role: 'system', content: 'sys' }, user]);
  });
});

describe("promptBudget: the configured budget, within what the model's context leaves", () => {
  it('keeps the configured budget when the context has room, or is unknown', () => {
    expect(promptBudget(6000, 32_768, undefined)).toBe(6000);
    expect(promptBudget(6000, undefined, 100)).toBe(6000);
  });

  it("leaves the answer its room: the bot's max_tokens, else a quarter of the context", () => {
    expect(promptBudget(6000, 4096, undefined)).toBe(3072);
    expect(promptBudget(6000, 4096, 1000)).toBe(3096);
  });

  it('never goes below one token, even when the answer room takes the whole context', () => {
    expect(promptBudget(6000, 512, 512)).toBe(1);
    expect(promptBudget(6000, 512, 4096)).toBe(1);
  });
});

describe('ContextCache: what the registry said, for a while', () => {
  it('asks once per TTL, and after a failed lookup waits 30 s before asking again', async () => {
    let now = 0;
    const cache = new ContextCache(() => now);
    const answers: ContextLookup[] = [{ ok: false }, { ok: true, contextLength: 4096 }];
    let asked = 0;
    const load = async () => {
      asked++;
      return answers.shift() ?? { ok: true, contextLength: 8192 };
    };
    expect(await cache.get('k\nm', load)).toBeUndefined();
    now = 29_999;
    expect(await cache.get('k\nm', load)).toBeUndefined();
    expect(asked).toBe(1);
    now = 30_000;
    expect(await cache.get('k\nm', load)).toBe(4096);
    now = 30_000 + 299_999;
    expect(await cache.get('k\nm', load)).toBe(4096);
    expect(asked).toBe(2);
    now = 30_000 + 300_000;
    expect(await cache.get('k\nm', load)).toBe(8192);
    expect(await cache.get('other\nm', load)).toBe(8192);
    expect(asked).toBe(4);
  });
});
