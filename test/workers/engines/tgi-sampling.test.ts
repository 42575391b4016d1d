import { describe, expect, it } from 'vitest';
import { tgiAdapter, tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * TGI validates `top_p` strictly inside (0, 1) on both APIs, takes `stop` only as a list on the
 * Messages API, and samples whenever `top_p` < 1 is present, even with `do_sample: false`.
 */
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});
const nativeParams = (over: Partial<ChatCompletionRequest>) =>
  JSON.parse(tgiAdapter.buildChat(req(over), ctx(pool('tgi'))).body!).parameters;
const messagesBody = (over: Partial<ChatCompletionRequest>) =>
  JSON.parse(tgiMessagesAdapter.buildChat(req(over), ctx(pool('tgi-messages'))).body!);

describe('TGI sampling parameters', () => {
  it('native: temperature 0 is greedy, so top_p is not sent (it would turn sampling back on)', () => {
    const params = nativeParams({ temperature: 0, top_p: 0.9 });
    expect(params.do_sample).toBe(false);
    expect(params).not.toHaveProperty('top_p');
    expect(params).not.toHaveProperty('temperature');
    expect(nativeParams({ temperature: 0.7, top_p: 0.9 })).toMatchObject({ top_p: 0.9, do_sample: true });
  });

  it('Messages API: top_p outside (0, 1) is not sent (TGI answers 422 to top_p 1)', () => {
    expect(messagesBody({ top_p: 1 })).not.toHaveProperty('top_p');
    expect(messagesBody({ top_p: 0 })).not.toHaveProperty('top_p');
    expect(messagesBody({ top_p: 0.5 }).top_p).toBe(0.5);
  });

  it('Messages API: temperature 0 is greedy there too, so top_p is not sent', () => {
    const body = messagesBody({ temperature: 0, top_p: 0.9 });
    expect(body.temperature).toBe(0);
    expect(body).not.toHaveProperty('top_p');
  });

  it('Messages API: a single stop string is sent as a list', () => {
    expect(messagesBody({ stop: 'END' }).stop).toEqual(['END']);
    expect(messagesBody({ stop: ['a', 'b'] }).stop).toEqual(['a', 'b']);
  });
});

describe('TGI seed', () => {
  it('a negative seed is sent unsigned on both APIs (TGI refuses negative seeds), a positive one as it is', () => {
    expect(nativeParams({ seed: -1 }).seed).toBe(4_294_967_295);
    expect(messagesBody({ seed: -1 }).seed).toBe(4_294_967_295);
    expect(nativeParams({ seed: -(2 ** 40) }).seed).toBe(2 ** 40);
    expect(nativeParams({ seed: 42 }).seed).toBe(42);
    expect(messagesBody({ seed: 42 }).seed).toBe(42);
    expect(messagesBody({})).not.toHaveProperty('seed');
  });
});
