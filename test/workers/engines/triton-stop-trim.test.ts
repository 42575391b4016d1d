import { describe, expect, it } from 'vitest';
import { tritonAdapter as adapter } from '../../../origins/trtllm/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, clientText, ctx, encoded, merged, pool, replay } from './replay-b.ts';

// TensorRT-LLM's executor returns output ids that end with the stop word that stopped the generation
// (only its own Python layer cuts them); Triton's postprocessing model detokenizes them as they are.
// No finish reason comes back, so a stop word ending the text is the sign that it stopped there.

const p = pool('triton-trtllm', { stripPromptEcho: false });
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'Where?' }],
  max_tokens: 50,
  ...over,
});

function call(over: Partial<ChatCompletionRequest>, stream: boolean) {
  const c = ctx(p, { stream });
  adapter.buildChat(req(over), c);
  return c;
}

const event = (text: string, n: number) =>
  `data: {"model_name":"ensemble","model_version":"1","output_log_probs":${JSON.stringify(Array(n).fill(0))},"text_output":${JSON.stringify(text)}}\n\n`;

/** ' Paris', '. E', 'ND': the stop word `END` arrives split over the last two responses. */
const stopped = event(' Paris', 1) + event('. E', 2) + event('ND', 3);

describe('Triton (TensorRT-LLM): the matched stop word is not in the answer', () => {
  it('non-stream: cut from the end of text_output, finish stop', () => {
    const c = call({ stop: ['STOP', 'END'], max_tokens: 3 }, false);
    const body = '{"model_name":"ensemble","output_log_probs":[0,0,0],"text_output":" Paris. END"}';
    const choice = adapter.decodeChat(body, c).choices[0]!;
    expect(choice.message.content).toBe(' Paris. ');
    // The budget of 3 was used up, yet the stop word is what ended it.
    expect(choice.finish_reason).toBe('stop');
  });

  it('non-stream: without a matching stop the text is kept and the finish still derived', () => {
    const c = call({ stop: 'NEVER', max_tokens: 3 }, false);
    const body = '{"model_name":"ensemble","output_log_probs":[0,0,0],"text_output":" Paris. END"}';
    const choice = adapter.decodeChat(body, c).choices[0]!;
    expect(choice.message.content).toBe(' Paris. END');
    expect(choice.finish_reason).toBe('length');
  });

  it('stream: the stop split over responses never reaches the client, at any byte split', () => {
    const events = replay(adapter.chatStream(call({ stop: 'END', max_tokens: 3 }, true)), stopped);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: ' Paris. ' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: expect.objectContaining({ completion_tokens: 3, eco_estimated: true }) },
      { kind: 'end' },
    ]);
    expect(clientText(encoded(events))).toBe(' Paris. ');
    assertSplitInvariant(() => adapter.chatStream(call({ stop: 'END', max_tokens: 3 }, true)), stopped);
  });

  it('stream: held-back text is all sent when no stop ends it', () => {
    const events = replay(
      adapter.chatStream(call({ stop: ['NEVER MATCHED'], max_tokens: 3 }, true)),
      stopped,
    );
    expect(clientText(encoded(events))).toBe(' Paris. END');
    expect(events).toContainEqual({ kind: 'finish', reason: 'length' });
  });

  it('stream: a stop word earlier in the text is left alone', () => {
    const events = replay(adapter.chatStream(call({ stop: 'Paris' }, true)), stopped);
    expect(clientText(encoded(events))).toBe(' Paris. END');
  });

  it('completions: the same cut', () => {
    const c = ctx(p, { stream: false });
    adapter.completions!.build(
      { model: 'm', prompt: 'The capital of France', stop: ['Par'], max_tokens: 2 },
      c,
    );
    const body = '{"model_name":"ensemble","output_log_probs":[0,0],"text_output":" is Par"}';
    const out = adapter.completions!.decode(body, c) as {
      choices: { text: string; finish_reason: string }[];
    };
    expect(out.choices[0]).toMatchObject({ text: ' is ', finish_reason: 'stop' });
  });
});
