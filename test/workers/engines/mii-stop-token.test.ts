import { describe, expect, it } from 'vitest';
import { miiOpenAiAdapter as adapter } from '../../../origins/deepspeed-mii/index.ts';
import { isStoppingToken } from '../../../origins/deepspeed-mii/openai-stream.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import {
  assertSplitInvariant,
  clientText,
  ctx,
  encoded,
  merged,
  pool,
  replay,
  textChunks,
} from './replay-b.ts';

// MII stops on one token (end-of-sequence, or the first token of each stop string). Its non-stream
// answer leaves that token out, but its stream sends every sampled token, the stopping one included,
// and only then an empty chunk with the finish reason.

const p = pool('deepspeed-mii-openai');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'Where?' }],
  ...over,
});

function call(over: Partial<ChatCompletionRequest> = {}) {
  const c = ctx(p, { stream: true });
  adapter.buildChat(req(over), c);
  return c;
}

const chunk = (delta: string, finish: string | null = null) =>
  `data: {"id": "chatcmpl-1", "model": "m", "choices": [{"index": 0, "delta": ${delta}, "finish_reason": ${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
const content = (text: string) => chunk(`{"content": ${JSON.stringify(text)}}`);

function stream(pieces: string[], finish: string) {
  return `${chunk('{"role": "assistant"}')}${pieces.map(content).join('')}${chunk('{"content": ""}', finish)}data: [DONE]\n\n`;
}

describe('MII OpenAI stream: the token that stopped it is not in the answer', () => {
  it('drops the end-of-sequence token streamed before the stop chunk', () => {
    const text = stream([' Paris', '.', '</s>'], 'stop');
    const events = replay(adapter.chatStream(call()), text);
    expect(clientText(encoded(events))).toBe(' Paris.');
    expect(events).toContainEqual({ kind: 'finish', reason: 'stop' });
    assertSplitInvariant(() => adapter.chatStream(call()), text);
  });

  it('drops the first token of the stop string that matched, with its leading space', () => {
    const text = stream([' Paris', '.', ' END'], 'stop');
    expect(clientText(encoded(replay(adapter.chatStream(call({ stop: 'END' })), text)))).toBe(' Paris.');
    // Only the first token of a longer stop string is matched by MII: " User" for "User:".
    const user = stream([' Paris', '.', '\n', 'User'], 'stop');
    expect(clientText(encoded(replay(adapter.chatStream(call({ stop: 'User:' })), user)))).toBe(' Paris.\n');
    assertSplitInvariant(() => adapter.chatStream(call({ stop: 'END' })), text);
  });

  it('keeps the last token when it is not a stopping one', () => {
    const text = stream([' Paris', '.'], 'stop');
    expect(clientText(encoded(replay(adapter.chatStream(call({ stop: 'END' })), text)))).toBe(' Paris.');
  });

  it('keeps the last token when the budget ended it', () => {
    const text = stream([' Paris', ' END'], 'length');
    const events = replay(adapter.chatStream(call({ stop: 'END' })), text);
    expect(clientText(encoded(events))).toBe(' Paris END');
    expect(merged(events)).toContainEqual({ kind: 'finish', reason: 'length' });
  });

  it('keeps everything when [DONE] comes without a finish reason', () => {
    const text = `${chunk('{"role": "assistant"}')}${content(' Paris')}${content('</s>')}data: [DONE]\n\n`;
    expect(clientText(encoded(replay(adapter.chatStream(call()), text)))).toBe(' Paris</s>');
  });

  it('recognises stopping tokens', () => {
    expect(isStoppingToken('<|eot_id|>', [])).toBe(true);
    expect(isStoppingToken(' END', ['END'])).toBe(true);
    expect(isStoppingToken('\n\n', ['\n\nUser:'])).toBe(true);
    expect(isStoppingToken('.', ['END'])).toBe(false);
    expect(isStoppingToken(' ', [])).toBe(false);
  });
});

describe('MII OpenAI /v1/completions stream: the same', () => {
  const completions = adapter.completions!;
  const piece = (text: string, finish: string | null = null) =>
    `data: {"id": "cmpl-1", "object": "text_completion", "model": "m", "choices": [{"index": 0, "text": ${JSON.stringify(text)}, "logprobs": null, "finish_reason": ${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
  const streamOf = (pieces: string[], finish: string) =>
    `${pieces.map((t) => piece(t)).join('')}${piece('', finish)}data: [DONE]\n\n`;
  const texts = (sse: string) =>
    sse
      .split('\n\n')
      .filter((b) => b.startsWith('data: {'))
      .map((b) => (JSON.parse(b.slice(6)) as { choices: { text?: string }[] }).choices[0]?.text ?? '')
      .join('');
  function completionCall(stop?: string) {
    const c = ctx(p, { stream: true });
    completions.build({ model: 'm', prompt: 'Capital of France:', ...(stop ? { stop } : {}) }, c);
    return c;
  }

  it('drops the stopping token before a stop finish, at any byte split', () => {
    const text = streamOf([' Paris', '.', ' END'], 'stop');
    expect(texts(textChunks(replay(completions.stream!(completionCall('END')), text)))).toBe(' Paris.');
    const eos = streamOf([' Paris', '</s>'], 'stop');
    expect(texts(textChunks(replay(completions.stream!(completionCall()), eos)))).toBe(' Paris');
    assertSplitInvariant(() => completions.stream!(completionCall('END')), text);
  });

  it('keeps it when the budget ended the stream or the token is ordinary', () => {
    const length = streamOf([' Paris', ' END'], 'length');
    expect(texts(textChunks(replay(completions.stream!(completionCall('END')), length)))).toBe(' Paris END');
    const plain = streamOf([' Paris', '.'], 'stop');
    expect(texts(textChunks(replay(completions.stream!(completionCall('END')), plain)))).toBe(' Paris.');
  });
});
