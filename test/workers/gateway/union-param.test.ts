import { describe, expect, it } from 'vitest';
import { CompletionRequest, EmbeddingRequest } from '../../../schemas/openai/completions.ts';
import { validationError } from '../../../workers/http/validation.ts';

// A prompt or input may be text, texts, token ids or lists of token ids: an error names the element
// that is wrong in the form the value takes, not the first element of another form.

const paramOf = (schema: typeof CompletionRequest | typeof EmbeddingRequest, body: unknown) => {
  const parsed = schema.safeParse(body);
  expect(parsed.success).toBe(false);
  return validationError(parsed.error!).param;
};

describe('the param of a bad token id', () => {
  it('names the bad id of a token list, wherever it is', () => {
    expect(paramOf(CompletionRequest, { model: 'm', prompt: [1, 2, 3.5] })).toBe('prompt.2');
    expect(
      paramOf(EmbeddingRequest, {
        model: 'm',
        input: [
          [1, 2],
          [3, 4.5],
        ],
      }),
    ).toBe('input.1.1');
    expect(paramOf(CompletionRequest, { model: 'm', prompt: [1.5] })).toBe('prompt.0');
  });

  it('names the bad text of a list of texts', () => {
    expect(paramOf(EmbeddingRequest, { model: 'm', input: ['a', 'b', ''] })).toBe('input.2');
  });
});
