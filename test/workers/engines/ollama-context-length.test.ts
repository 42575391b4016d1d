import { describe, expect, it } from 'vitest';
import { ollamaAdapter } from '../../../origins/ollama/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool, replay } from './replay-b.ts';

/**
 * Ollama and inputs longer than the model's context. Its runners answer `errorInputTooLong` ("the input
 * length exceeds the context length", runner/ollamarunner/runner.go) as a 400, which releases before
 * the status was passed on turned into a 500, and `/api/embed` into a 400, 413 or 500.
 */

const ollama = pool('ollama');
const TOO_LONG = '{"error":"the input length exceeds the context length"}';
const req: ChatCompletionRequest = {
  model: 'client-model',
  messages: [{ role: 'user', content: 'hello' }],
};

describe('Ollama over-long inputs', () => {
  it('asks Ollama to refuse an over-long chat or prompt instead of dropping earlier messages', () => {
    const chat = JSON.parse(ollamaAdapter.buildChat(req, ctx(ollama, { stream: false })).body!);
    expect(chat.truncate).toBe(false);
    const completion = ollamaAdapter.completions!.build(
      { model: 'client-model', prompt: 'hello' },
      ctx(ollama, { stream: false }),
    );
    expect(JSON.parse(completion.body!).truncate).toBe(false);
  });

  it('a pool that opts in (options.truncatePrompt) lets Ollama cut the prompt as it used to', () => {
    const optedIn = pool('ollama', { truncatePrompt: true });
    const chat = JSON.parse(ollamaAdapter.buildChat(req, ctx(optedIn, { stream: false })).body!);
    expect(chat.truncate).toBe(true);
    const completion = ollamaAdapter.completions!.build(
      { model: 'client-model', prompt: 'hello' },
      ctx(optedIn, { stream: false }),
    );
    expect(JSON.parse(completion.body!).truncate).toBe(true);
    // Only a real `true` opts in.
    const chatOther = ollamaAdapter.buildChat(
      req,
      ctx(pool('ollama', { truncatePrompt: 'yes' }), { stream: false }),
    );
    expect(JSON.parse(chatOther.body!).truncate).toBe(false);
  });

  it('refuses an over-long embedding input too (a vector of its first part would hide the cut)', () => {
    const embed = (p: typeof ollama) =>
      JSON.parse(
        ollamaAdapter.embeddings!.build({ model: 'client-model', input: 'hello' }, ctx(p, { stream: false }))
          .body!,
      ).truncate;
    expect(embed(ollama)).toBe(false);
    expect(embed(pool('ollama', { truncatePrompt: true }))).toBe(true);
  });

  it('maps the refusal to a 400 context_length_exceeded, whatever status the release used', () => {
    for (const status of [400, 413, 500]) {
      const error = ollamaAdapter.mapError(status, TOO_LONG, new Headers());
      expect(error, String(status)).toMatchObject({ status: 400, code: 'context_length_exceeded' });
      expect(error.message).toContain('the input length exceeds the context length');
    }
  });

  it('an in-stream refusal line (releases that answered 200 first) is the same 400', () => {
    const events = replay(ollamaAdapter.chatStream(ctx(ollama)), `${TOO_LONG}\n`);
    expect(events.at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 400, code: 'context_length_exceeded' },
    });
  });

  it('other 500s and error lines stay engine failures', () => {
    expect(ollamaAdapter.mapError(500, '{"error":"out of memory"}', new Headers())).toMatchObject({
      status: 502,
      code: 'origin_error',
    });
    const events = replay(ollamaAdapter.chatStream(ctx(ollama)), '{"error":"exceeds the GPU memory"}\n');
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
  });
});
