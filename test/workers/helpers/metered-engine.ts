import { exports } from 'cloudflare:workers';
import { mockOrigin } from './origin-mock.ts';

export interface MeteredEngineOptions {
  /** Tokens an answer runs to when the request sets no max_tokens. */
  unbounded?: number;
  /** An answer that replaces the normal one (e.g. a refusal), given the request body. */
  refuse?: (body: Record<string, unknown>) => Response | undefined;
}

/**
 * A mocked OpenAI-style engine that spends every token it is allowed: each answer (one per prompt of a
 * completions request) runs to max_tokens, or `unbounded` without one. Returns the bodies it received.
 */
export function meteredEngine(host: string, options: MeteredEngineOptions = {}): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  mockOrigin(host, async (req) => {
    const body = (await req.json()) as Record<string, unknown>;
    seen.push(body);
    const refusal = options.refuse?.(body);
    if (refusal) return refusal;
    const prompts = Array.isArray(body.prompt) ? body.prompt.length : 1;
    const perAnswer = typeof body.max_tokens === 'number' ? body.max_tokens : (options.unbounded ?? 0);
    const produced = prompts * perAnswer;
    const usage = { prompt_tokens: 5, completion_tokens: produced, total_tokens: 5 + produced };
    const base = { id: 'c', created: 1, model: 'e', usage };
    if (body.prompt !== undefined)
      return Response.json({
        ...base,
        object: 'text_completion',
        choices: Array.from({ length: prompts }, (_, index) => ({
          index,
          text: 'x',
          finish_reason: 'length',
        })),
      });
    return Response.json({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'length' }],
    });
  });
  return seen;
}

/** POST a JSON body to the gateway as `key`. */
export function postAs(key: string, path: string, body: Record<string, unknown>): Promise<Response> {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
