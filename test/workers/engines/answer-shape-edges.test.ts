import { describe, expect, it } from 'vitest';
import { chatLogprobs } from '../../../origins/openai-compatible/logprobs.ts';
import { checkDimensions, rememberDimensions } from '../../../origins/templates/embedding-dimensions.ts';
import type { CallContext } from '../../../origins/types.ts';

describe('non-stream log-probabilities', () => {
  it("give a token the engine scored as null (a non-finite value) OpenAI's floor, as streams do", () => {
    const shaped = chatLogprobs({
      content: [{ token: 'a', logprob: null, top_logprobs: [{ token: 'b', logprob: null }] }],
    }) as { content: { logprob: number; top_logprobs: { logprob: number }[] }[] };
    expect(shaped.content[0]!.logprob).toBe(-9999);
    expect(shaped.content[0]!.top_logprobs[0]!.logprob).toBe(-9999);
  });

  it('keep a finite log-probability as the engine gave it', () => {
    const shaped = chatLogprobs({ content: [{ token: 'a', logprob: -0.25, bytes: [97] }] }) as {
      content: { logprob: number }[];
    };
    expect(shaped.content[0]!.logprob).toBe(-0.25);
  });
});

describe('embeddings asked with dimensions', () => {
  const call = () => {
    const ctx = {} as CallContext;
    rememberDimensions(ctx, 2);
    return ctx;
  };

  it("answered with a base64 vector that is no whole number of floats are the origin's fault: 502", () => {
    expect(() => checkDimensions('vLLM', ['AAAAAAAAAAAAAA=='], call())).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
    );
    expect(() => checkDimensions('vLLM', [''], call())).toThrow(expect.objectContaining({ status: 502 }));
  });

  it('answered with well-formed vectors of another length name the parameter: 400', () => {
    // Three float32 values, base64.
    expect(() => checkDimensions('vLLM', ['AAAAAAAAAAAAAAAA'], call())).toThrow(
      expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'dimensions' }),
    );
    expect(() => checkDimensions('vLLM', ['AAAAAAAAAAA='], call())).not.toThrow();
  });
});
