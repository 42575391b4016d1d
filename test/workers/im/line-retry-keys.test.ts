import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { drive, fakeWorld, type Sent, testBot, textEvent } from './core-driver.ts';

/**
 * A LINE push API that honours X-Line-Retry-Key: a key it accepted once answers 409 ever after
 * (whatever the body), as LINE documents; pushes carrying `failing` text answer 500 (not accepted).
 */
function linePushApi(failing: string) {
  const accepted = new Set<string>();
  const delivered: { key: string; texts: string[] }[] = [];
  return {
    delivered,
    respond: (request: { headers: Record<string, string>; body: string }) => {
      const key = request.headers['x-line-retry-key'] ?? '';
      const texts = (JSON.parse(request.body) as { messages: { text: string }[] }).messages.map(
        (m) => m.text,
      );
      if (accepted.has(key))
        return { status: 409, body: '{"message":"retry key already accepted"}', headers: new Headers() };
      if (texts.some((t) => t.includes(failing)))
        return { status: 500, body: 'down', headers: new Headers() };
      accepted.add(key);
      delivered.push({ key, texts });
      return { status: 200, body: '{}', headers: new Headers() };
    },
  };
}

describe('LINE push retry keys', () => {
  it('an apology after a partly pushed reply gets a key of its own, so LINE delivers it instead of answering 409', async () => {
    const api = linePushApi('Foxtrot');
    // Six paragraphs of 90 characters: six parts at a 100-character limit (the apology fits in one).
    const answer = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot']
      .map((word) => `${word} `.padEnd(90, 'x'))
      .join('\n\n');
    const world = fakeWorld({ answer: () => ({ ok: true, content: answer }), respond: api.respond });
    const bot = testBot('line', 'keys', { maxMessageChars: 100 });
    const chatId = 'U00000000000000000000000000000001';
    const result = await drive(`line:keys:${chatId}`, bot, [textEvent('01KEY', chatId, 'hi')], world, {
      config: { maxAttempts: 2 },
    });
    expect(result.backlog).toBe(0);
    // Five parts went out in the first push; the sixth never did, so the user must see the apology.
    expect(api.delivered.map((d) => d.texts.length)).toEqual([5, 1]);
    expect(api.delivered[1]!.texts).toEqual([MESSAGES.apology]);
    expect(api.delivered[1]!.key).not.toBe(api.delivered[0]!.key);
    const sends = world.log.filter((e): e is { kind: 'send' } & Sent => e.kind === 'send');
    expect(sends.at(-1)!.body).toMatchObject({ messages: [{ type: 'text', text: MESSAGES.apology }] });
  });
});
