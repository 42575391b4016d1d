import type { Context } from 'hono';
import { CompletionRequest, EmbeddingRequest } from '../../schemas/openai/completions.ts';
import type { AppEnv } from '../app-env.ts';
import { exchangeEndpoint } from '../dispatch/endpoint.ts';
import { validationError } from '../http/validation.ts';
import { refuseManyChoices } from './choices.ts';
import { runInference } from './inference.ts';

function estimateText(input: unknown): number {
  if (typeof input === 'string') return Math.ceil(input.length / 4) + 1;
  if (Array.isArray(input)) return input.reduce<number>((sum, item) => sum + estimateText(item), 0);
  if (typeof input === 'number') return 1;
  return 0;
}

/** A list of prompts (texts or token-id lists) is answered once per prompt. */
function promptCount(prompt: CompletionRequest['prompt']): number {
  if (typeof prompt === 'string') return 1;
  return prompt.every((item) => typeof item === 'number') ? 1 : prompt.length;
}

/** POST /v1/completions. */
export function runCompletion(c: Context<AppEnv>): Promise<Response> {
  return runInference(c, (raw) => {
    const parsed = CompletionRequest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    refuseManyChoices(parsed.data);
    // `best_of` can only be 1, the engines' default: not sent (engines that dropped it refuse it).
    const { best_of: _bestOf, ...fields } = parsed.data;
    const { stream_options, ...rest } = fields;
    const stream = rest.stream === true;
    // Stream options only mean something on a stream; engines refuse them on a plain answer.
    const body = stream ? fields : rest;
    return {
      model: body.model,
      capability: 'completion',
      stream,
      includeUsage: stream && stream_options?.include_usage === true,
      promptEstimate: estimateText(body.prompt),
      maxTokens: body.max_tokens ?? undefined,
      answers: promptCount(body.prompt),
      endpoint: (defaultMaxTokens) =>
        exchangeEndpoint(
          'completion',
          stripNulls(defaultMaxTokens === undefined ? body : { ...body, max_tokens: defaultMaxTokens }),
        ),
    };
  });
}

/** POST /v1/embeddings. */
export function runEmbedding(c: Context<AppEnv>): Promise<Response> {
  return runInference(c, (raw) => {
    const parsed = EmbeddingRequest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    const endpoint = exchangeEndpoint('embedding', stripNulls(body));
    return {
      model: body.model,
      capability: 'embedding',
      stream: false,
      includeUsage: false,
      promptEstimate: estimateText(body.input),
      maxTokens: undefined,
      endpoint: () => endpoint,
    };
  });
}

/** Only fields the client set are forwarded (engines differ in how they treat explicit nulls). */
function stripNulls(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body))
    if (value !== null && value !== undefined) out[key] = value;
  return out;
}
