import { describe, expect, it } from 'vitest';
import { miiOpenAiAdapter } from '../../../origins/deepspeed-mii/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, encoded, pool, replay } from './replay-b.ts';

const oai = pool('deepspeed-mii-openai');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 4,
  ...over,
});

describe('MII OpenAI server: what it silently ignores', () => {
  it('refuses more than one stop string (MII honours only the first), on chat and completions', () => {
    const several = ['\n', 'END'];
    expect(() => miiOpenAiAdapter.buildChat(req({ stop: several }), ctx(oai))).toThrow(
      expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'stop' }),
    );
    expect(() =>
      miiOpenAiAdapter.completions!.build({ model: 'm', prompt: 'p', stop: several }, ctx(oai)),
    ).toThrow(expect.objectContaining({ status: 400, param: 'stop' }));
    // One stop string, as a string or a list of one, is what MII takes.
    for (const stop of ['\n', ['\n']]) {
      expect(JSON.parse(miiOpenAiAdapter.buildChat(req({ stop }), ctx(oai)).body!).stop).toEqual(stop);
    }
  });
});

describe('MII OpenAI server: a finish reason it leaves null', () => {
  const chunk = (content: string, finish: string | null) =>
    `data: {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "${content}"}, "finish_reason": ${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;

  it('is derived from the budget when [DONE] comes without one (MII writes its "none" as null)', () => {
    const c = ctx(oai);
    miiOpenAiAdapter.buildChat(req({ max_tokens: 2 }), c);
    const events = replay(
      miiOpenAiAdapter.chatStream(c),
      `${chunk('a', null)}${chunk('b', null)}data: [DONE]\n\n`,
    );
    expect(events.filter((e) => e.kind === 'finish')).toEqual([{ kind: 'finish', reason: 'length' }]);
    expect(encoded(events)).toContain('"finish_reason":"length"');

    const roomy = ctx(oai);
    miiOpenAiAdapter.buildChat(req({ max_tokens: 100 }), roomy);
    const stopped = replay(miiOpenAiAdapter.chatStream(roomy), `${chunk('a', null)}data: [DONE]\n\n`);
    expect(stopped.filter((e) => e.kind === 'finish')).toEqual([{ kind: 'finish', reason: 'stop' }]);
  });

  it('is not added twice when MII gave one', () => {
    const c = ctx(oai);
    miiOpenAiAdapter.buildChat(req(), c);
    const events = replay(miiOpenAiAdapter.chatStream(c), `${chunk('a', 'stop')}data: [DONE]\n\n`);
    expect(events.filter((e) => e.kind === 'finish')).toEqual([{ kind: 'finish', reason: 'stop' }]);
  });

  it('is derived on a non-stream answer too', () => {
    const c = ctx(oai, { stream: false });
    miiOpenAiAdapter.buildChat(req({ max_tokens: 3 }), c);
    const body =
      '{"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "abc"}, "finish_reason": null}], "usage": {"prompt_tokens": 5, "total_tokens": 8, "completion_tokens": 3}}';
    expect(miiOpenAiAdapter.decodeChat(body, c).choices[0]!.finish_reason).toBe('length');
  });
});

describe('MII OpenAI server: completions stream chunks', () => {
  // MII sets `object` on its completion chunks but not `created`, which OpenAI's chunk always has.
  const stream = [
    'data: {"id":"cmpl-1","object":"text_completion","model":"engine-model","choices":[{"index":0,"text":"Hel","finish_reason":null}]}',
    'data: {"id":"cmpl-1","object":"text_completion","model":"engine-model","choices":[{"index":0,"text":"lo","finish_reason":"length"}]}',
    'data: [DONE]',
    '',
  ].join('\n\n');

  it('reach the client with a created time, every one of them', () => {
    const c = ctx(oai);
    const events = replay(miiOpenAiAdapter.completions!.stream!(c), stream, [40, 130]);
    const chunks = events.filter((e) => e.kind === 'chunk');
    expect(chunks).toHaveLength(2);
    for (const chunk of chunks) expect(JSON.parse(chunk.json).created).toBe(c.created);
    expect(events.at(-1)).toEqual({ kind: 'end' });
  });
});
