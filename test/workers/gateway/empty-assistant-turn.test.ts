import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// A model can answer with nothing at all (a stop sequence at once, a budget spent on reasoning). Clients
// echo that turn back, so the next request carries an assistant message whose content is "".

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'empty-turn-pool',
      protocol: 'vllm',
      origins: [{ id: 'e1', url: 'http://empty-turn-origin.test', capacity: 8, weight: 1 }],
    },
    'empty-turn-model',
  );
});

function post(messages: unknown[]) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'empty-turn-model', messages }),
  });
}

describe('an assistant turn with empty content', () => {
  it('is accepted and reaches the engine as an assistant turn, in its place', async () => {
    let sent: { messages?: unknown[] } | undefined;
    mockOrigin('empty-turn-origin.test', async (req) => {
      sent = (await req.json()) as { messages?: unknown[] };
      return chatAnswer();
    });
    const messages = [
      { role: 'user', content: 'say nothing' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'now say hi' },
    ];
    const res = await post(messages);
    expect(res.status).toBe(200);
    expect(sent?.messages).toEqual(messages);
  });

  it.each([
    ['no content', { role: 'assistant' }],
    ['null content', { role: 'assistant', content: null }],
    ['an empty list of parts', { role: 'assistant', content: [] }],
  ])('is still refused with %s and nothing else', async (_name, turn) => {
    const res = await post([{ role: 'user', content: 'hi' }, turn]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; param: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBe('messages.1.content');
  });
});
