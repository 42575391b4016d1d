import { EcoError } from '../../schemas/errors.ts';
import { parseAnswer } from '../error-answer.ts';
import { isVector, rememberEncoding, toBase64, wantsBase64 } from '../templates/embedding-base64.ts';
import { checkDimensions, rememberDimensions } from '../templates/embedding-dimensions.ts';
import { checkVectorCount, rememberInputCount } from '../templates/embedding-inputs.ts';
import { estimatedUsage, promptCall, rememberRequestedPrompt } from '../templates/prompt-call.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import { tokenCount } from '../token-count.ts';
import type { Exchange } from '../types.ts';
import { ollamaFinish, ollamaUsage } from './answer.ts';
import { readOllamaAnswer } from './decode.ts';
import { ollamaStreamDecoder } from './ndjson-stream.ts';
import { commonFields, OLLAMA, ollamaOptions, truncatePrompt } from './request.ts';

type Json = Record<string, unknown>;

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
    // Releases before `dimensions` ignore it and answer full-length vectors: checked on the answer.
    rememberDimensions(ctx, req.dimensions);
    rememberEncoding(ctx, req.encoding_format);
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
    checkDimensions(OLLAMA, parsed.embeddings, ctx);
    const base64 = wantsBase64(ctx);
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
