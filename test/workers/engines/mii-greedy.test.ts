import { describe, expect, it } from 'vitest';
import { miiOpenAiAdapter, miiRestAdapter } from '../../../origins/deepspeed-mii/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

// MII's OpenAI server fixes do_sample to true and its GenerateParamsConfig takes only temperature > 0:
// a temperature of 0 fails inside the engine. OpenAI's temperature 0 means greedy decoding.

const oai = pool('deepspeed-mii-openai');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'Where?' }],
  ...over,
});
const body = (r: { body?: string }) => JSON.parse(r.body ?? '{}') as Record<string, unknown>;

describe('MII: temperature 0 is sent as greedy decoding', () => {
  it('OpenAI server chat: top_k 1 and no temperature', () => {
    const sent = body(miiOpenAiAdapter.buildChat(req({ temperature: 0 }), ctx(oai)));
    expect(sent.top_k).toBe(1);
    expect(sent).not.toHaveProperty('temperature');
  });

  it('OpenAI server completions: the same', () => {
    const sent = body(
      miiOpenAiAdapter.completions!.build(
        { model: 'm', prompt: 'Hi', temperature: 0 },
        ctx(oai, { stream: false }),
      ),
    );
    expect(sent.top_k).toBe(1);
    expect(sent).not.toHaveProperty('temperature');
  });

  it('other temperatures are forwarded as they are, and no top_k is added', () => {
    const chat = body(miiOpenAiAdapter.buildChat(req({ temperature: 0.4 }), ctx(oai)));
    expect(chat).toMatchObject({ temperature: 0.4 });
    expect(chat).not.toHaveProperty('top_k');
    const completion = body(
      miiOpenAiAdapter.completions!.build(
        { model: 'm', prompt: 'Hi', temperature: 1.2 },
        ctx(oai, { stream: false }),
      ),
    );
    expect(completion).toMatchObject({ temperature: 1.2 });
    expect(completion).not.toHaveProperty('top_k');
  });

  it('REST gateway: do_sample false (its own greedy switch)', () => {
    const sent = body(miiRestAdapter.buildChat(req({ temperature: 0 }), ctx(pool('deepspeed-mii'))));
    expect(sent.do_sample).toBe(false);
    expect(sent).not.toHaveProperty('temperature');
  });

  it('top_p 0 (only the likeliest token) is greedy too, on both servers', () => {
    const chat = body(miiOpenAiAdapter.buildChat(req({ top_p: 0, temperature: 0.5 }), ctx(oai)));
    expect(chat).toMatchObject({ top_k: 1, temperature: 0.5 });
    expect(chat).not.toHaveProperty('top_p');
    const completion = body(
      miiOpenAiAdapter.completions!.build(
        { model: 'm', prompt: 'Hi', top_p: 0 },
        ctx(oai, { stream: false }),
      ),
    );
    expect(completion.top_k).toBe(1);
    expect(completion).not.toHaveProperty('top_p');
    const rest = body(miiRestAdapter.buildChat(req({ top_p: 0 }), ctx(pool('deepspeed-mii'))));
    expect(rest.do_sample).toBe(false);
    expect(rest).not.toHaveProperty('top_p');
    expect(body(miiOpenAiAdapter.buildChat(req({ top_p: 0.3 }), ctx(oai)))).toMatchObject({ top_p: 0.3 });
  });
});
