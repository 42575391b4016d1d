import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ollama as adapter, DOT, ollamaChat, PARIS, PARIS_IN_OPENAI } from './ollama-logprobs-setup.ts';

// Ollama 0.12.11+ takes `logprobs`/`top_logprobs` on /api/chat and answers a top-level `logprobs` list
// of {token, logprob, bytes, top_logprobs}. Earlier releases ignore the fields and answer without it.

const call = (over: Partial<ChatCompletionRequest>) => ollamaChat(over, false);

const withLogprobs = JSON.stringify({
  model: 'm',
  created_at: 't',
  message: { role: 'assistant', content: 'Paris.' },
  done: true,
  done_reason: 'stop',
  prompt_eval_count: 9,
  eval_count: 2,
  logprobs: [PARIS, DOT],
});
const without = JSON.stringify({ ...JSON.parse(withLogprobs), logprobs: undefined });

describe('Ollama: log-probabilities', () => {
  it('asks for them and maps them to logprobs.content', () => {
    const { c, body } = call({ logprobs: true, top_logprobs: 2 });
    expect(body).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const choice = adapter.decodeChat(withLogprobs, c).choices[0]!;
    expect(choice.logprobs).toEqual({
      content: [PARIS_IN_OPENAI, { token: '.', logprob: -0.2, bytes: [46], top_logprobs: [] }],
      refusal: null,
    });
  });

  it('fails an answer without them (a release that ignores the fields) instead of hiding it', () => {
    const { c } = call({ logprobs: true });
    expect(() => adapter.decodeChat(without, c)).toThrow(EcoError);
    expect(() => adapter.decodeChat(without, c)).toThrow(/0\.12\.11/);
  });

  it('a malformed entry is a malformed answer', () => {
    const { c } = call({ logprobs: true });
    const bad = withLogprobs.replace('"logprob":-0.2', '"logprob":"x"');
    expect(bad).not.toBe(withLogprobs);
    expect(() => adapter.decodeChat(bad, c)).toThrow(/malformed/);
  });

  it('not asked: nothing sent, logprobs null even if the engine sends some', () => {
    const { c, body } = call({});
    expect(body).not.toHaveProperty('logprobs');
    expect(body).not.toHaveProperty('top_logprobs');
    expect(adapter.decodeChat(withLogprobs, c).choices[0]!.logprobs).toBeNull();
  });

  it('top_logprobs alone asks for logprobs too', () => {
    expect(call({ top_logprobs: 3 }).body).toMatchObject({ logprobs: true, top_logprobs: 3 });
  });
});
