import OpenAI from 'openai';
import type { Completion } from 'openai/resources/completions';
import { describe, expect, it } from 'vitest';
import { miiOpenAiAdapter } from '../../../origins/deepspeed-mii/index.ts';
import { ctx, pool, replay, textChunks } from './replay-b.ts';

// MII's OpenAI server writes its own finish value `none` as null on `/v1/completions` too; OpenAI's
// CompletionChoice.finish_reason is never null.

const miiPool = pool('deepspeed-mii-openai');
const completions = miiOpenAiAdapter.completions!;

function call(maxTokens?: number) {
  const c = ctx(miiPool, { stream: false });
  completions.build(
    { model: 'mii-finish-model', prompt: 'The sky is', ...(maxTokens ? { max_tokens: maxTokens } : {}) },
    c,
  );
  return c;
}

/** MII's non-stream CompletionResponse with the given finish value. */
const answer = (finish: string | null, completionTokens: number) =>
  JSON.stringify({
    id: 'cmpl-MiiA',
    object: 'text_completion',
    created: 1_700_000_000,
    model: 'mistralai/Mistral-7B-Instruct-v0.1',
    choices: [{ index: 0, text: ' blue today', logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: 4, completion_tokens: completionTokens, total_tokens: 4 + completionTokens },
  });

/** MII's stream chunks: `created` left out, Python spacing, `finish_reason` null until the end. */
const chunk = (text: string, finish: string | null = null) =>
  `data: {"id": "cmpl-MiiS", "object": "text_completion", "model": "mistralai/Mistral-7B-Instruct-v0.1", "choices": [{"index": 0, "text": ${JSON.stringify(text)}, "logprobs": null, "finish_reason": ${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;

/** The `text_completion` chunks the client reads. */
const clientChunks = (sse: string) =>
  sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map((b) => JSON.parse(b.slice(6)) as Completion);

const finishes = (sse: string) =>
  clientChunks(sse).flatMap((c) => c.choices.map((ch) => ch.finish_reason).filter((f) => f !== null));

describe('MII /v1/completions finish reason, non-stream', () => {
  it('derives stop when the budget was not used up', () => {
    const out = completions.decode(answer(null, 2), call(16)) as unknown as Completion;
    expect(out.choices[0]!.finish_reason).toBe('stop');
    expect(out.choices[0]!.text).toBe(' blue today');
  });

  it('derives length when the completion used the whole budget', () => {
    const out = completions.decode(answer(null, 16), call(16)) as unknown as Completion;
    expect(out.choices[0]!.finish_reason).toBe('length');
  });

  it('keeps the reason MII gave, and derives stop without a client budget', () => {
    expect(
      (completions.decode(answer('length', 3), call(16)) as unknown as Completion).choices[0]!.finish_reason,
    ).toBe('length');
    expect(
      (completions.decode(answer(null, 500), call()) as unknown as Completion).choices[0]!.finish_reason,
    ).toBe('stop');
  });
});

describe('MII /v1/completions finish reason, stream', () => {
  const streamCtx = (maxTokens?: number) => {
    const c = call(maxTokens);
    c.stream = true;
    return c;
  };

  it('ends a stream that never said why with one empty chunk carrying the derived reason', () => {
    const sse = textChunks(
      replay(completions.stream!(streamCtx(16)), `${chunk(' blue')}${chunk(' today')}data: [DONE]\n\n`),
    );
    const chunks = clientChunks(sse);
    const last = chunks.filter((c) => c.choices.length > 0).at(-1)!;
    expect(last.choices).toEqual([{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }]);
    // The client's model, and the stream's own id, as on the chunks before it.
    expect(last.model).toBe('client-model');
    expect(last.id).toBe('cmpl-MiiS');
    expect(finishes(sse)).toEqual(['stop']);
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('derives length when every token of the budget was streamed', () => {
    const sse = textChunks(
      replay(completions.stream!(streamCtx(2)), `${chunk(' blue')}${chunk(' today')}data: [DONE]\n\n`),
    );
    expect(finishes(sse)).toEqual(['length']);
  });

  it('derives stop for an empty stream', () => {
    const sse = textChunks(replay(completions.stream!(streamCtx(2)), 'data: [DONE]\n\n'));
    expect(finishes(sse)).toEqual(['stop']);
  });

  it('adds nothing when MII gave a reason', () => {
    const sse = textChunks(
      replay(
        completions.stream!(streamCtx(16)),
        `${chunk(' blue')}${chunk(' today', 'length')}data: [DONE]\n\n`,
      ),
    );
    expect(finishes(sse)).toEqual(['length']);
    expect(clientChunks(sse).filter((c) => c.choices.length > 0)).toHaveLength(2);
  });

  it("reads in openai-node's completions stream with a finish reason", async () => {
    const sse = textChunks(
      replay(completions.stream!(streamCtx(16)), `${chunk(' blue')}${chunk(' today')}data: [DONE]\n\n`),
    );
    const client = new OpenAI({
      apiKey: 'mii-finish-key',
      baseURL: 'http://mii-finish.test/v1',
      fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
    });
    const stream = await client.completions.create({
      model: 'client-model',
      prompt: 'The sky is',
      stream: true,
    });
    const reasons: Completion['choices'][number]['finish_reason'][] = [];
    let text = '';
    for await (const part of stream) {
      for (const choice of part.choices) {
        text += choice.text;
        if (choice.finish_reason !== null) reasons.push(choice.finish_reason);
      }
    }
    expect(text).toBe(' blue today');
    expect(reasons).toEqual(['stop']);
  });
});
