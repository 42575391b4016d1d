import type { PoolConfig } from '../../schemas/config.ts';
import { type ChatCompletionRequest, requestedMaxTokens } from '../../schemas/openai/chat.ts';
import { renderChatPrompt, templateFor } from '../templates/chat-template.ts';
import { poolMaxTokens, rememberPrompt } from '../templates/prompt-call.ts';
import { rememberStops } from '../templates/stop-trim.ts';
import { unsignedSeed } from '../templates/unsigned-seed.ts';
import type { CallContext, OriginRequest } from '../types.ts';

export const TRITON_ENGINE = 'Triton (TensorRT-LLM)';

export function tritonModel(pool: PoolConfig): string {
  const name = pool.options.tritonModel;
  return typeof name === 'string' && name.length > 0 ? name : 'ensemble';
}

export function stripsEcho(pool: PoolConfig): boolean {
  return pool.options.stripPromptEcho !== false;
}

/** Sampling fields common to chat and completion requests, in OpenAI's names. */
export interface TritonSampling {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  stop?: string | string[] | null;
}

/** Chat: the conversation rendered with the pool's chat template. */
export function buildTritonGenerate(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  const prompt = renderChatPrompt(req.messages, templateFor(ctx.pool), TRITON_ENGINE);
  return tritonGenerateRequest(prompt, req, ctx);
}

/** `POST /v2/models/<m>/generate[_stream]` with the ensemble's input names. */
export function tritonGenerateRequest(prompt: string, req: TritonSampling, ctx: CallContext): OriginRequest {
  const maxTokens = requestedMaxTokens(req) ?? poolMaxTokens(ctx.pool);
  rememberPrompt(ctx, { prompt, maxTokens });
  // The model's text ends with the stop word that stopped it: kept to cut it off (stop-trim.ts).
  rememberStops(ctx, req.stop);
  const body: Record<string, unknown> = { text_input: prompt, max_tokens: maxTokens, stream: ctx.stream };
  if (req.temperature != null) body.temperature = req.temperature;
  if (req.top_p != null) body.top_p = req.top_p;
  // TensorRT-LLM's top_k and top_p default to 0, which it reads as greedy decoding: a temperature asked
  // for alone would change nothing. OpenAI samples the whole distribution (top_p 1) unless told otherwise.
  else if (req.temperature != null && req.temperature > 0) body.top_p = 1;
  // Triton's random_seed is unsigned 64-bit: a negative OpenAI seed maps as TGI's does.
  if (req.seed != null) body.random_seed = unsignedSeed(req.seed);
  if (req.presence_penalty != null) body.presence_penalty = req.presence_penalty;
  if (req.frequency_penalty != null) body.frequency_penalty = req.frequency_penalty;
  if (req.stop != null) body.stop_words = typeof req.stop === 'string' ? [req.stop] : req.stop;
  const model = encodeURIComponent(tritonModel(ctx.pool));
  return {
    method: 'POST',
    path: `/v2/models/${model}/${ctx.stream ? 'generate_stream' : 'generate'}`,
    headers: {
      'content-type': 'application/json',
      accept: ctx.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}
