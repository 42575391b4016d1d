import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../origins/registry.ts';
import { ctx, pool } from './replay-b.ts';

const OPENAI_STYLE = ['vllm', 'sglang-openai', 'lmdeploy-openai', 'trtllm-serve'] as const;

describe('OpenAI-style /v1/completions answers', () => {
  for (const protocol of OPENAI_STYLE) {
    it(`${protocol}: a choice that ended with a failure finish reason is a 502, not a 200`, () => {
      const completions = adapterFor(protocol)!.completions!;
      for (const finish of ['abort', 'error', 'parse_error']) {
        const call = ctx(pool(protocol), { stream: false });
        const body = JSON.stringify({ choices: [{ index: 0, text: 'partial', finish_reason: finish }] });
        expect(() => completions.decode(body, call)).toThrow(
          expect.objectContaining({ status: 502, code: 'origin_error' }),
        );
      }
    });

    it(`${protocol}: a choice without text is a 502`, () => {
      const completions = adapterFor(protocol)!.completions!;
      const call = ctx(pool(protocol), { stream: false });
      const body = JSON.stringify({ choices: [{ index: 0, text: 7, finish_reason: 'stop' }] });
      expect(() => completions.decode(body, call)).toThrow(
        expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
      );
    });
  }

  it('a choice that finished normally is answered', () => {
    const completions = adapterFor('vllm')!.completions!;
    const call = ctx(pool('vllm'), { stream: false });
    const out = completions.decode(
      JSON.stringify({ choices: [{ index: 0, text: 'ok', finish_reason: 'length' }] }),
      call,
    );
    expect((out.choices as { text: string }[])[0]!.text).toBe('ok');
  });
});

describe('OpenAI-style /v1/embeddings answers', () => {
  const cases: [unknown, number][] = [
    ['one', 1],
    [['a', 'b'], 2],
    [[1, 2, 3], 1],
    [
      [
        [1, 2],
        [3, 4],
      ],
      2,
    ],
  ];
  for (const [input, inputs] of cases) {
    it(`input ${JSON.stringify(input)}: anything but ${inputs} vector(s) is a 502, exactly that many is answered`, () => {
      const embeddings = adapterFor('vllm')!.embeddings!;
      const vector = { object: 'embedding', embedding: [0.5] };
      for (const count of [inputs - 1, inputs + 1, inputs]) {
        const call = ctx(pool('vllm'), { stream: false });
        embeddings.build({ model: 'm', input }, call);
        const data = Array.from({ length: count }, (_, index) => ({ ...vector, index }));
        const body = JSON.stringify({ object: 'list', data, usage: { prompt_tokens: 2, total_tokens: 2 } });
        if (count === inputs) expect((embeddings.decode(body, call).data as unknown[]).length).toBe(count);
        else
          expect(() => embeddings.decode(body, call)).toThrow(
            expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
          );
      }
    });
  }
});
