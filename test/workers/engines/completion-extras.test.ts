import { describe, expect, it } from 'vitest';
import { miiOpenAiAdapter } from '../../../origins/deepspeed-mii/index.ts';
import { lmdeployOpenAiAdapter } from '../../../origins/lmdeploy/index.ts';
import { ollamaAdapter } from '../../../origins/ollama/index.ts';
import { sglangAdapter } from '../../../origins/sglang/index.ts';
import { tgiAdapter, tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import { trtllmServeAdapter } from '../../../origins/trtllm/index.ts';
import type { EngineAdapter } from '../../../origins/types.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * `/v1/completions` options an engine's endpoint ignores must be refused with a 400, never answered
 * without them (an `echo: true` answer without the prompt, `logprobs` asked and `null` returned).
 */
const cases: [EngineAdapter, readonly ('echo' | 'suffix' | 'logprobs')[]][] = [
  [tgiAdapter, ['echo', 'suffix', 'logprobs']],
  [sglangAdapter, ['echo', 'suffix', 'logprobs']],
  // Ollama's /api/generate takes `suffix`.
  [ollamaAdapter, ['echo', 'logprobs']],
  [miiOpenAiAdapter, ['echo', 'suffix', 'logprobs']],
  // TGI's CompletionRequest has neither echo nor logprobs, and answers a suffix with a 422.
  [tgiMessagesAdapter, ['echo', 'suffix', 'logprobs']],
  // trtllm-serve's CompletionRequest refuses any suffix ("suffix is not supported").
  [trtllmServeAdapter, ['suffix']],
  // LMDeploy's /v1/completions has no echo, never reads suffix, and returns no log-probabilities.
  [lmdeployOpenAiAdapter, ['echo', 'suffix', 'logprobs']],
];
const value = { echo: true, suffix: 's', logprobs: 2 } as const;

describe('completion options the endpoint ignores', () => {
  for (const [adapter, refused] of cases) {
    it(`${adapter.protocol}: refuses ${refused.join(', ')}`, () => {
      for (const param of refused) {
        const req = { model: 'm', prompt: 'p', [param]: value[param] };
        expect(() => adapter.completions!.build(req, ctx(pool(adapter.protocol)))).toThrow(
          expect.objectContaining({ status: 400, code: 'unsupported_parameter', param }),
        );
      }
      // Their "off" values are fine.
      const off = { model: 'm', prompt: 'p', echo: false, suffix: '', logprobs: 0 };
      expect(() => adapter.completions!.build(off, ctx(pool(adapter.protocol)))).not.toThrow();
    });
  }

  it('lmdeploy-openai: refuses the OpenAI penalties its sampling config never reads', () => {
    for (const param of ['presence_penalty', 'frequency_penalty']) {
      const req = { model: 'm', prompt: 'p', [param]: 0.4 };
      expect(() => lmdeployOpenAiAdapter.completions!.build(req, ctx(pool('lmdeploy-openai')))).toThrow(
        expect.objectContaining({ status: 400, code: 'unsupported_parameter', param }),
      );
    }
    const zero = { model: 'm', prompt: 'p', presence_penalty: 0, frequency_penalty: 0 };
    expect(() => lmdeployOpenAiAdapter.completions!.build(zero, ctx(pool('lmdeploy-openai')))).not.toThrow();
  });

  it('ollama sends suffix on', () => {
    const r = ollamaAdapter.completions!.build({ model: 'm', prompt: 'p', suffix: 's' }, ctx(pool('ollama')));
    expect(JSON.parse(r.body!)).toMatchObject({ suffix: 's' });
  });
});
