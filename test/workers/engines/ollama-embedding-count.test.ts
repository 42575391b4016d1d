import { describe, expect, it } from 'vitest';
import { ollamaAdapter } from '../../../origins/ollama/index.ts';
import { ctx, pool } from './replay-b.ts';

const embeddings = ollamaAdapter.embeddings!;

describe('Ollama /api/embed: one vector per input', () => {
  it('an answer with fewer (or more) vectors than inputs is a 502, not a short list', () => {
    for (const [input, vectors] of [
      [['a', 'b'], '[[1,2]]'],
      ['a', '[[1],[2]]'],
      [['a'], '[]'],
    ] as const) {
      const call = ctx(pool('ollama'), { stream: false });
      embeddings.build({ model: 'm', input }, call);
      expect(() => embeddings.decode(`{"embeddings":${vectors},"prompt_eval_count":2}`, call)).toThrow(
        expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
      );
    }
  });

  it('one vector per input is answered', () => {
    const call = ctx(pool('ollama'), { stream: false });
    embeddings.build({ model: 'm', input: ['a', 'b'] }, call);
    const out = embeddings.decode('{"embeddings":[[1],[2]],"prompt_eval_count":2}', call);
    expect((out.data as unknown[]).length).toBe(2);
  });
});
