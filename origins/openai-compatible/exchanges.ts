import { EcoError } from '../../schemas/errors.ts';
import { parseAnswer } from '../error-answer.ts';
import { isVector, rememberEncoding, toBase64, wantsBase64 } from '../templates/embedding-base64.ts';
import { checkDimensions, rememberDimensions } from '../templates/embedding-dimensions.ts';
import { checkVectorCount, rememberInputCount } from '../templates/embedding-inputs.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext, Exchange, OriginRequest } from '../types.ts';
import { FAILED_FINISH_REASONS, readUsage } from './scan.ts';
import { openAiStreamDecoder } from './stream.ts';

/** OpenAI's completion finish reasons; `tool_calls` and `function_call` are chat's alone. */
const COMPLETION_FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'length', 'content_filter']);

export interface OpenAiExchangeOptions {
  /**
   * Finish reasons outside OpenAI's set reach the caller as the engine wrote them, for an adapter that
   * reads its engine's own names (TGI's `stop_sequence` also says a stop string is to be cut). Otherwise
   * they become `stop`, as on the shared stream decoder. Default: kept only when the exchange does not
   * stream through that decoder (`streams` false), whose adapter maps the names itself.
   */
  engineFinishNames?: boolean;
}

/** `/v1/completions` and `/v1/embeddings` for engines that serve them OpenAI-style. */
export function openAiExchange(
  engine: string,
  path: string,
  streams: boolean,
  options: OpenAiExchangeOptions = {},
): Exchange<Record<string, unknown>, Record<string, unknown>> {
  const embeddings = path.endsWith('/embeddings');
  const engineFinishNames = options.engineFinishNames ?? !streams;
  const exchange: Exchange<Record<string, unknown>, Record<string, unknown>> = {
    build(req, ctx): OriginRequest {
      const body: Record<string, unknown> = { ...req, model: ctx.engineModel };
      if (ctx.stream) body.stream_options = { include_usage: true };
      if (embeddings) {
        rememberInputCount(ctx, req.input);
        rememberEncoding(ctx, req.encoding_format);
        rememberDimensions(ctx, req.dimensions);
      }
      return {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      };
    },
    decode(body, ctx: CallContext) {
      const parsed = parseAnswer(engine, body);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new EcoError(502, 'origin_malformed_response', `${engine}: the response is not an object`);
      }
      const answer = parsed as Record<string, unknown>;
      const list = embeddings ? 'data' : 'choices';
      if (!Array.isArray(answer[list])) {
        throw new EcoError(502, 'origin_malformed_response', `${engine}: the response has no ${list} list`);
      }
      if (embeddings) {
        const data = answer.data as unknown[];
        checkVectorCount(engine, data, ctx);
        checkDimensions(engine, data.map(embeddingOf), ctx);
        // Some engines (SGLang) answer floats whatever was asked: encoded here, as OpenAI answers.
        if (wantsBase64(ctx)) answer.data = data.map(base64Item);
      } else {
        const choices = answer.choices as unknown[];
        for (const choice of choices) checkCompletionChoice(engine, choice);
        if (!engineFinishNames) answer.choices = choices.map(withOpenAiFinish);
      }
      // Usage is billed: anything but real token counts is dropped and the gateway estimates instead.
      const { usage: raw, ...rest } = answer;
      const counts = embeddings ? embeddingUsage(raw) : readUsage(raw);
      // Completions get their token details checked by readUsage; embeddings keep the engine's other fields.
      const usage = counts && (embeddings ? { ...(raw as object), ...counts } : counts);
      return { ...rest, model: ctx.clientModel, ...(usage ? { usage } : {}) };
    },
  };
  if (streams) exchange.stream = () => openAiStreamDecoder({ engine, terminator: true });
  return exchange;
}

/**
 * A completion choice must carry its text, and an engine-side failure (`abort`, `error`, which is how
 * some engines report a fault inside a 200) is an error, never an answer.
 */
function checkCompletionChoice(engine: string, choice: unknown): void {
  const c = (choice ?? {}) as { text?: unknown; finish_reason?: unknown };
  if (typeof c.finish_reason === 'string' && FAILED_FINISH_REASONS.has(c.finish_reason))
    throw new EcoError(502, 'origin_error', `${engine}: generation ended with '${c.finish_reason}'`);
  if (typeof c.text !== 'string')
    throw new EcoError(502, 'origin_malformed_response', `${engine}: a completion choice has no text`);
}

/** An engine's own name for a finished completion (e.g. `eos_token`): OpenAI clients know `stop`. */
function withOpenAiFinish(choice: unknown): unknown {
  const finish = (choice as { finish_reason?: unknown }).finish_reason;
  if (typeof finish !== 'string' || COMPLETION_FINISH_REASONS.has(finish)) return choice;
  return { ...(choice as object), finish_reason: 'stop' };
}

function embeddingOf(item: unknown): unknown {
  return (item as { embedding?: unknown } | null)?.embedding;
}

function base64Item(item: unknown): unknown {
  const embedding = embeddingOf(item);
  return isVector(embedding) ? { ...(item as object), embedding: toBase64(embedding) } : item;
}

/** Embeddings usage has no completion part: `{prompt_tokens, total_tokens}`. */
function embeddingUsage(value: unknown): { prompt_tokens: number; total_tokens: number } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const u = value as Record<string, unknown>;
  const prompt = tokenCount(u.prompt_tokens);
  if (prompt === undefined) return undefined;
  return { prompt_tokens: prompt, total_tokens: tokenCount(u.total_tokens) ?? prompt };
}
