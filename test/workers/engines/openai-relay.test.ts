import { describe, expect, it } from 'vitest';
import vllmStream from '../../../../shared/fixtures/engines/vllm.chat.stream.txt?raw';
import { adapterFor } from '../../../origins/registry.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { ctx, pool, replay } from './replay-b.ts';

/** vLLM (and every relayed OpenAI stream): what a bad or unusual chunk becomes. */

const vllm = adapterFor('vllm')!;
const trtllm = adapterFor('trtllm-serve')!;

function chunk(delta: Record<string, unknown>, finish: string | null): string {
  return `data: ${JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'engine-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
}

describe('relayed OpenAI streams', () => {
  for (const [name, adapter] of [
    ['vLLM', vllm],
    ['trtllm-serve', trtllm],
  ] as const) {
    it(`${name}: an abort or error finish ends the stream in error, not with [DONE]`, () => {
      for (const reason of ['abort', 'error']) {
        const failed = vllmStream.replace('"finish_reason":"stop"', `"finish_reason":"${reason}"`);
        expect(failed).not.toBe(vllmStream);
        const events = replay(adapter.chatStream(ctx(pool(adapter.protocol))), failed);
        expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
        expect(events.some((e) => e.kind === 'end')).toBe(false);
        expect(events.some((e) => e.kind === 'chunk' && e.json.includes(`"${reason}"`))).toBe(false);
      }
    });
  }

  it('an error event spread over several data lines (or spaced) is an error, not a relayed chunk', () => {
    const head = chunk({ role: 'assistant', content: 'Hi' }, null);
    for (const error of [
      'data: {\ndata:   "error": {"message": "boom", "type": "BadRequestError", "code": 400}\ndata: }\n\n',
      'data: {  "error": {"message": "boom"}}\n\n',
    ]) {
      const events = replay(vllm.chatStream(ctx(pool('vllm'))), `${head}${error}data: [DONE]\n\n`);
      expect(events.at(-1), error).toMatchObject({
        kind: 'error',
        error: { status: 502, code: 'origin_error' },
      });
      expect(events.at(-1)).toMatchObject({ error: { message: expect.stringContaining('boom') } });
    }
  });

  it("a finish reason outside OpenAI's set reaches the client as stop", () => {
    const odd = vllmStream.replace('"finish_reason":"stop"', '"finish_reason":"eos_token"');
    const events = replay(vllm.chatStream(ctx(pool('vllm'))), odd);
    const last = events.filter((e) => e.kind === 'chunk').at(-1);
    expect(last).toMatchObject({ finish: 'stop', hasOutput: true });
    expect(last?.kind === 'chunk' && last.json).toContain('"finish_reason":"stop"');
    expect(events.at(-1)).toEqual({ kind: 'end' });
  });

  it('a reasoning-only delta (`delta.reasoning`, vLLM ≥0.10) is output', () => {
    const text = `${chunk({ role: 'assistant', content: '' }, null)}${chunk({ reasoning: 'thinking' }, null)}data: [DONE]\n\n`;
    const events = replay(vllm.chatStream(ctx(pool('vllm'))), text);
    const chunks = events.filter((e) => e.kind === 'chunk');
    expect(chunks.map((c) => c.kind === 'chunk' && c.hasOutput)).toEqual([false, true]);
  });
});

describe('non-stream OpenAI answers', () => {
  it('keeps vLLM reasoning (`message.reasoning`) as reasoning_content', () => {
    const body = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'engine-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris', reasoning: 'France → Paris' },
          finish_reason: 'stop',
        },
      ],
    });
    const out = vllm.decodeChat(body, ctx(pool('vllm'), { stream: false }));
    expect(out.choices[0]?.message).toMatchObject({ content: 'Paris', reasoning_content: 'France → Paris' });
  });

  it("maps a finish reason outside OpenAI's set to stop, and a failure value to a 502", () => {
    const answer = (finish: string) =>
      JSON.stringify({
        choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: finish }],
      });
    const c = ctx(pool('vllm'), { stream: false });
    expect(vllm.decodeChat(answer('eos_token'), c).choices[0]?.finish_reason).toBe('stop');
    expect(vllm.decodeChat(answer('length'), c).choices[0]?.finish_reason).toBe('length');
    expect(() => vllm.decodeChat(answer('parse_error'), c)).toThrow(/parse_error/);
  });

  const completions = vllm.completions!;
  const embeddings = vllm.embeddings!;
  const c = ctx(pool('vllm'), { stream: false });

  it('a completion or embedding answer of the wrong shape is a 502, not a 200', () => {
    // An error envelope is not a wrong shape: it is the engine's own error (error-answers.test.ts).
    for (const body of ['{}', '{"choices":5}', '[]']) {
      expect(() => completions.decode(body, c), body).toThrow(EcoError);
      try {
        completions.decode(body, c);
      } catch (err) {
        expect(err).toMatchObject({ status: 502, code: 'origin_malformed_response' });
      }
    }
    for (const body of ['{}', '{"data":"x"}', '{"object":"list"}']) {
      expect(() => embeddings.decode(body, c), body).toThrow(EcoError);
    }
  });

  it('usage that is not token counts is dropped (so the gateway estimates), not billed as is', () => {
    const choices = [{ index: 0, text: 'hi', finish_reason: 'stop' }];
    for (const usage of [
      'lots',
      { prompt_tokens: -5, completion_tokens: 2, total_tokens: -3 },
      { prompt_tokens: 1.5, completion_tokens: 2, total_tokens: 3.5 },
    ]) {
      const out = completions.decode(JSON.stringify({ object: 'text_completion', choices, usage }), c);
      expect(out.usage, JSON.stringify(usage)).toBeUndefined();
    }
    const good = completions.decode(
      JSON.stringify({ choices, usage: { prompt_tokens: '3', completion_tokens: 2, total_tokens: 5 } }),
      c,
    );
    expect(good.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    const emb = embeddings.decode(
      JSON.stringify({
        object: 'list',
        data: [{ object: 'embedding', embedding: [0.1], index: 0 }],
        usage: { prompt_tokens: -1, total_tokens: -1 },
      }),
      c,
    );
    expect(emb.usage).toBeUndefined();
    const embGood = embeddings.decode(
      JSON.stringify({ data: [], usage: { prompt_tokens: 8, total_tokens: 8 } }),
      c,
    );
    expect(embGood.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
  });
});
