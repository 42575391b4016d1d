import { describe, expect, it } from 'vitest';
import { tgiAdapter, tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, clientText, ctx, encoded, merged, pool, replay } from './replay-b.ts';

// TGI's /generate keeps the stop sequence that ended the generation at the end of its text (its
// criteria match on the text's end); OpenAI's `stop` text is never part of the answer.

const native = pool('tgi');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'Where?' }],
  ...over,
});

const token = (id: number, text: string, extra = '"generated_text":null,"details":null') =>
  `data: {"index":${id},"token":{"id":${id},"text":${JSON.stringify(text)},"logprob":-0.1,"special":false},${extra}}\n\n`;

/** ' Paris' then '. E', 'ND' ended by the stop sequence `END` (it arrives split over two tokens). */
const stopped =
  token(1, ' Paris') +
  token(2, '. E') +
  token(
    3,
    'ND',
    '"generated_text":" Paris. END","details":{"finish_reason":"stop_sequence","generated_tokens":3,"seed":null,"input_length":5}',
  );

function call(over: Partial<ChatCompletionRequest>, stream: boolean) {
  const c = ctx(native, { stream });
  tgiAdapter.buildChat(req(over), c);
  return c;
}

describe('TGI native: the matched stop sequence is not in the answer', () => {
  it('non-stream: cut from the end of generated_text', () => {
    const c = call({ stop: ['STOP', 'END'] }, false);
    const body =
      '{"generated_text":" Paris. END","details":{"finish_reason":"stop_sequence","generated_tokens":3}}';
    expect(tgiAdapter.decodeChat(body, c).choices[0]!.message.content).toBe(' Paris. ');
  });

  it('non-stream: text that only happens to end like a stop is kept when the engine stopped otherwise', () => {
    const c = call({ stop: 'END' }, false);
    const body = '{"generated_text":"THE END","details":{"finish_reason":"eos_token","generated_tokens":3}}';
    expect(tgiAdapter.decodeChat(body, c).choices[0]!.message.content).toBe('THE END');
  });

  it('stream: the stop split over tokens never reaches the client, at any byte split', () => {
    const c = call({ stop: 'END' }, true);
    const events = replay(tgiAdapter.chatStream(c), stopped);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: ' Paris. ' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } },
      { kind: 'end' },
    ]);
    expect(clientText(encoded(events))).toBe(' Paris. ');
    assertSplitInvariant(() => tgiAdapter.chatStream(call({ stop: 'END' }, true)), stopped);
  });

  it('stream: held-back text is all sent when the generation ends for another reason', () => {
    const c = call({ stop: ['NEVER MATCHED'] }, true);
    const eos = stopped.replace('"stop_sequence"', '"eos_token"');
    expect(clientText(encoded(replay(tgiAdapter.chatStream(c), eos)))).toBe(' Paris. END');
  });

  it('completions: the same cut', () => {
    const c = ctx(native, { stream: false });
    tgiAdapter.completions!.build({ model: 'm', prompt: 'The capital city of France', stop: ['Par'] }, c);
    const body =
      '{"generated_text":" is Par","details":{"finish_reason":"stop_sequence","generated_tokens":2}}';
    const out = tgiAdapter.completions!.decode(body, c) as { choices: { text: string }[] };
    expect(out.choices[0]!.text).toBe(' is ');
  });
});

describe('TGI Messages API: the same cut when it reports stop_sequence', () => {
  const messagesPool = pool('tgi-messages');
  const chunk = (delta: string, finish: string | null) =>
    `data: {"object":"chat.completion.chunk","id":"","created":1,"model":"m","system_fingerprint":"3.1.2-native","choices":[{"index":0,"delta":{"role":"assistant","content":${JSON.stringify(delta)}},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}],"usage":null}\n\n`;
  const streamed = `${chunk(' Paris', null)}${chunk('. E', null)}${chunk('ND', 'stop_sequence')}data: [DONE]\n\n`;

  function messagesCall(stream: boolean) {
    const c = ctx(messagesPool, { stream });
    tgiMessagesAdapter.buildChat(req({ stop: 'END' }), c);
    return c;
  }

  it('non-stream', () => {
    const body = `{"object":"chat.completion","id":"","created":1,"model":"m","system_fingerprint":"x","choices":[{"index":0,"message":{"role":"assistant","content":" Paris. END"},"logprobs":null,"finish_reason":"stop_sequence"}],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}`;
    const out = tgiMessagesAdapter.decodeChat(body, messagesCall(false));
    expect(out.choices[0]!.message.content).toBe(' Paris. ');
    expect(out.choices[0]!.finish_reason).toBe('stop');
  });

  it('stream, at any byte split', () => {
    const events = replay(tgiMessagesAdapter.chatStream(messagesCall(true)), streamed);
    expect(clientText(encoded(events))).toBe(' Paris. ');
    expect(events).toContainEqual({ kind: 'finish', reason: 'stop' });
    assertSplitInvariant(() => tgiMessagesAdapter.chatStream(messagesCall(true)), streamed);
  });
});

describe('TGI Messages API: log-probabilities on a stream', () => {
  const messagesPool = pool('tgi-messages');
  const scored = (token: string) => ({ token, logprob: -0.1, top_logprobs: [{ token, logprob: -0.1 }] });
  const chunk = (delta: string, finish: string | null) =>
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', id: '', created: 1, model: 'm', system_fingerprint: 'x', choices: [{ index: 0, delta: { role: 'assistant', content: delta }, logprobs: { content: [scored(delta)] }, finish_reason: finish }], usage: null })}\n\n`;

  function call(stop?: string) {
    const c = ctx(messagesPool);
    tgiMessagesAdapter.buildChat(req({ logprobs: true, top_logprobs: 1, ...(stop ? { stop } : {}) }), c);
    return c;
  }
  const logprobsOf = (events: ReturnType<typeof replay>) =>
    events.flatMap((e) => (e.kind === 'delta' ? ((e.logprobs ?? []) as { token: string }[]) : []));

  it('go out with the text they score', () => {
    const stream = `${chunk('Hi', null)}${chunk(' there', 'eos_token')}data: [DONE]\n\n`;
    const events = replay(tgiMessagesAdapter.chatStream(call()), stream);
    expect(logprobsOf(events).map((l) => l.token)).toEqual(['Hi', ' there']);
    expect(encoded(events)).toContain('"logprobs":{"content":[{"token":"Hi"');
  });

  it('wait with held-back text, and a cut stop takes its own with it', () => {
    const stream = `${chunk(' Paris', null)}${chunk('. E', null)}${chunk('ND', 'stop_sequence')}data: [DONE]\n\n`;
    const events = replay(tgiMessagesAdapter.chatStream(call('END')), stream);
    expect(clientText(encoded(events))).toBe(' Paris. ');
    expect(logprobsOf(events).map((l) => l.token)).toEqual([' Paris', '. E']);
    assertSplitInvariant(() => tgiMessagesAdapter.chatStream(call('END')), stream);
  });
});

describe('TGI /v1/completions: the same cut', () => {
  it('drops the matched stop from the text', () => {
    const c = ctx(pool('tgi-messages'), { stream: false });
    const completions = tgiMessagesAdapter.completions!;
    completions.build({ model: 'm', prompt: 'The capital city of France', stop: ['Par'] }, c);
    const body =
      '{"object":"text_completion","id":"","created":1,"model":"m","system_fingerprint":"x","choices":[{"index":0,"text":" is Par","logprobs":null,"finish_reason":"stop_sequence"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}';
    const out = completions.decode(body, c) as { choices: { text: string; finish_reason: string }[] };
    expect(out.choices[0]).toMatchObject({ text: ' is ', finish_reason: 'stop' });
  });
});
