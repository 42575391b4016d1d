import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import { renderChatPrompt, templateFor } from '../templates/chat-template.ts';
import { rememberRequestedPrompt } from '../templates/prompt-call.ts';
import { rememberStops } from '../templates/stop-trim.ts';
import { unsignedSeed } from '../templates/unsigned-seed.ts';
import type { CallContext, OriginRequest } from '../types.ts';

export const TGI = 'TGI';

/** Sampling fields common to chat and completion requests, in OpenAI's names. */
export interface Sampling {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  frequency_penalty?: number | null;
  response_format?: ChatCompletionRequest['response_format'];
}

/**
 * TGI's native `parameters`. Only fields TGI validates are sent: its temperature must be > 0, so a 0
 * temperature means greedy decoding (`usableTopP` says when top_p goes along).
 * `details: true` is required to learn the finish reason and token counts (the wire default is false).
 */
export function tgiParameters(req: Sampling): Record<string, unknown> {
  const p: Record<string, unknown> = { details: true, return_full_text: false };
  const max = requestedMaxTokens(req);
  if (max !== undefined) p.max_new_tokens = max;
  if (typeof req.temperature === 'number') {
    if (req.temperature > 0) {
      p.temperature = req.temperature;
      p.do_sample = true;
    } else p.do_sample = false;
  }
  if (usableTopP(req)) p.top_p = req.top_p;
  if (typeof req.seed === 'number') p.seed = unsignedSeed(req.seed);
  if (req.stop != null) p.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (typeof req.frequency_penalty === 'number') p.frequency_penalty = req.frequency_penalty;
  const grammar = jsonGrammar(req.response_format);
  if (grammar) p.grammar = grammar;
  return p;
}

/**
 * TGI rejects top_p outside (0, 1) with a 422 (1 means "unset" anyway), and its server samples
 * whenever top_p < 1 is present, even with `do_sample: false`: with temperature 0 it is left out.
 */
export function usableTopP(req: Pick<Sampling, 'temperature' | 'top_p'>): req is { top_p: number } {
  return typeof req.top_p === 'number' && req.top_p > 0 && req.top_p < 1 && req.temperature !== 0;
}

/** OpenAI's structured-output request as TGI's grammar (`{"type":"json","value":schema}`). */
export function jsonGrammar(format: Sampling['response_format']): Record<string, unknown> | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json', value: { type: 'object' } };
  return { type: 'json', value: format.json_schema.schema ?? { type: 'object' } };
}

/** Chat on the native API: the conversation rendered with the pool's chat template. */
export function buildTgiChat(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  const prompt = renderChatPrompt(req.messages, templateFor(ctx.pool), TGI);
  rememberRequestedPrompt(ctx, prompt, req);
  rememberStops(ctx, req.stop);
  return generateRequest(prompt, tgiParameters(req), ctx.stream);
}

export function generateRequest(
  prompt: string,
  parameters: Record<string, unknown>,
  stream: boolean,
): OriginRequest {
  return {
    method: 'POST',
    path: stream ? '/generate_stream' : '/generate',
    headers: {
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify({ inputs: prompt, parameters }),
  };
}
