import { EcoError } from '../../schemas/errors.ts';
import { parseAnswer } from '../error-answer.ts';
import { checkVectorCount, rememberInputCount } from '../templates/embedding-inputs.ts';
import { estimatedUsage, promptCall, rememberRequestedPrompt } from '../templates/prompt-call.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext, Exchange } from '../types.ts';
import { ollamaFinish, ollamaUsage } from './answer.ts';
import { readOllamaAnswer } from './decode.ts';
import { ollamaStreamDecoder } from './ndjson-stream.ts';
import { commonFields, OLLAMA, ollamaOptions, truncatePrompt } from './request.ts';

type Json = Record<string, unknown>;

/** Calls that asked for base64 vectors (decode sees only the call context, not the request). */
const base64Calls = new WeakSet<CallContext>();

/** `/v1/completions` through `/api/generate` (the prompt goes through the model's own template). */
export const ollamaCompletions: Exchange<Json, Json> = {
  build(req, ctx) {
    // `/api/generate` takes a suffix (fill-in-the-middle) but has no echo or log-probs.
    refuseCompletionExtras(req, OLLAMA, ['suffix']);
    const prompt = completionPrompt(req, OLLAMA);
    rememberRequestedPrompt(ctx, prompt, req as { max_tokens?: number });
    const body: Json = {
      model: ctx.engineModel,
      prompt,
      stream: ctx.stream,
      truncate: truncatePrompt(ctx.pool),
      ...commonFields(ctx.pool, undefined),
    };
    if (typeof req.suffix === 'string') body.suffix = req.suffix;
    const options = ollamaOptions(req as Parameters<typeof ollamaOptions>[0], ctx.pool);
    if (Object.keys(options).length > 0) body.options = options;
    return {
      method: 'POST',
      path: '/api/generate',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
  },
  decode(body, ctx) {
    const answer = readOllamaAnswer(body);
    if (typeof answer.response !== 'string') {
      throw new EcoError(502, 'origin_malformed_response', `${OLLAMA}: the response has no text`);
    }
    const usage = ollamaUsage(answer, ctx) ?? estimatedUsage(promptCall(ctx)?.prompt ?? '', answer.response);
    return textCompletionObject(ctx, answer.response, ollamaFinish(answer, ctx, false), usage);
  },
  stream: (ctx) => ollamaStreamDecoder(ctx, 'generate'),
};

/** `/v1/embeddings` through `/api/embed` (strings only; Ollama does not take token arrays). */
export const ollamaEmbeddings: Exchange<Json, Json> = {
  build(req, ctx) {
    const input = req.input;
    const strings =
      typeof input === 'string' || (Array.isArray(input) && input.every((v) => typeof v === 'string'));
    if (!strings) {
      throw new EcoError(400, 'unsupported_parameter', `${OLLAMA} embeds strings only, not token arrays`, {
        param: 'input',
      });
    }
    const body: Json = {
      model: ctx.engineModel,
      input,
      // As for chat: an input longer than the context is refused, not embedded from its first part.
      truncate: truncatePrompt(ctx.pool),
      ...commonFields(ctx.pool, undefined),
    };
    if (typeof req.dimensions === 'number') body.dimensions = req.dimensions;
    if (req.encoding_format === 'base64') base64Calls.add(ctx);
    rememberInputCount(ctx, input);
    return {
      method: 'POST',
      path: '/api/embed',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
  },
  decode(body, ctx) {
    const parsed = parseAnswer<{ embeddings?: unknown; prompt_eval_count?: unknown }>(OLLAMA, body);
    if (!Array.isArray(parsed?.embeddings) || !parsed.embeddings.every(isVector)) {
      throw new EcoError(502, 'origin_malformed_response', `${OLLAMA}: the response has no embeddings`);
    }
    checkVectorCount(OLLAMA, parsed.embeddings, ctx);
    const base64 = base64Calls.has(ctx);
    const count = tokenCount(parsed.prompt_eval_count) ?? 0;
    return {
      object: 'list',
      data: (parsed.embeddings as number[][]).map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: base64 ? toBase64(vector) : vector,
      })),
      model: ctx.clientModel,
      usage: { prompt_tokens: count, total_tokens: count },
    };
  },
};

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number');
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
function toBase64(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}
