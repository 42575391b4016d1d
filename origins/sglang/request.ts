import type { PoolConfig } from '../../schemas/config.ts';
import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import { renderChatPrompt, templateFor } from '../templates/chat-template.ts';
import { poolMaxTokens, rememberRequestedPrompt } from '../templates/prompt-call.ts';
import type { CallContext, OriginRequest } from '../types.ts';

export const SGLANG = 'SGLang';

export interface SglangSampling {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  seed?: number | null;
  logit_bias?: Record<string, number> | null;
  response_format?: ChatCompletionRequest['response_format'];
}

/**
 * OpenAI fields → SGLang `sampling_params`. Its default budget is only 128 tokens, so one is always sent:
 * the client's, else the pool's (as on the other native endpoints).
 */
export function samplingParams(req: SglangSampling, pool: PoolConfig): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  p.max_new_tokens = requestedMaxTokens(req) ?? poolMaxTokens(pool);
  if (typeof req.temperature === 'number') p.temperature = req.temperature;
  if (typeof req.top_p === 'number') p.top_p = req.top_p;
  if (req.stop != null) p.stop = req.stop;
  if (typeof req.frequency_penalty === 'number') p.frequency_penalty = req.frequency_penalty;
  if (typeof req.presence_penalty === 'number') p.presence_penalty = req.presence_penalty;
  // The names SGLang's own OpenAI layer hands these to `SamplingParams` under.
  if (typeof req.seed === 'number') p.sampling_seed = req.seed;
  const bias = req.logit_bias;
  if (bias && typeof bias === 'object' && !Array.isArray(bias) && Object.keys(bias).length > 0)
    p.logit_bias = bias;
  const format = req.response_format;
  if (format?.type === 'json_schema')
    p.json_schema = JSON.stringify(format.json_schema.schema ?? { type: 'object' });
  else if (format?.type === 'json_object') p.json_schema = JSON.stringify({ type: 'object' });
  return p;
}

export function generateRequest(
  text: string,
  sampling: Record<string, unknown>,
  stream: boolean,
): OriginRequest {
  return {
    method: 'POST',
    path: '/generate',
    headers: {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify({ text, sampling_params: sampling, stream }),
  };
}

/** Chat on the native API: the conversation rendered with the pool's chat template. */
export function buildSglangChat(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  const prompt = renderChatPrompt(req.messages, templateFor(ctx.pool), SGLANG);
  rememberRequestedPrompt(ctx, prompt, req);
  return generateRequest(prompt, samplingParams(req, ctx.pool), ctx.stream);
}
