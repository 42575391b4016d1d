import { describe, expect, it } from 'vitest';
import { ollamaAdapter } from '../../../origins/ollama/index.ts';

// reasoning_effort reaches Ollama as `think`; a model without thinking answers 400 for it, which the
// client must see as its reasoning_effort refused, not as an anonymous bad request.
describe('Ollama refusing think on a model without it', () => {
  it('names reasoning_effort', () => {
    const error = ollamaAdapter.mapError(
      400,
      JSON.stringify({ error: '"llama3.2" does not support thinking' }),
      new Headers(),
    );
    expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'reasoning_effort' });
    expect(error.message).toBe('Ollama: "llama3.2" does not support thinking');
  });

  it('leaves other 400s as they were', () => {
    const error = ollamaAdapter.mapError(400, '{"error":"missing request body"}', new Headers());
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(error.param).toBeNull();
  });
});
