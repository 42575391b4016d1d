import type { ChatCompletion, ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import { checkedChat, refuseUnsupportedSampling } from '../chat-fields.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { renderMessageText } from '../templates/chat-template.ts';
import {
  derivedFinish,
  estimateTokens,
  promptCall,
  rememberRequestedPrompt,
} from '../templates/prompt-call.ts';
import { rememberStops } from '../templates/stop-trim.ts';
import { refuseCompletionExtras } from '../templates/text-completion.ts';
import type { CallContext, EngineAdapter, Exchange, OriginRequest } from '../types.ts';
import { withDerivedFinish } from './completions-finish.ts';
import { miiCompletionsStream } from './completions-stream.ts';
import { mapMiiError } from './errors.ts';
import { refuseSeveralStops } from './limits.ts';
import { miiOpenAiStream } from './openai-stream.ts';

const ENGINE = 'DeepSpeed-MII (OpenAI server)';

/**
 * MII's FastChat-derived request model: `messages` are `{role, content: string}` (content parts fail its
 * validation, so text parts are joined), no seed, tools or response_format; `stream_options` is ignored.
 * Its handler reads the penalties into nothing, so those are refused with the rest (chat-fields.ts).
 */
export function buildMiiOpenAi(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  refuseSeveralStops(req.stop, ENGINE);
  const messages = req.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: renderMessageText(m, ENGINE),
  }));
  // The budget is kept to derive a finish reason MII leaves null (its own "none").
  rememberRequestedPrompt(ctx, messages.map((m) => m.content).join('\n'), req);
  // Its stream sends the token a stop matched (openai-stream.ts).
  rememberStops(ctx, req.stop);
  const body: Record<string, unknown> = { model: ctx.engineModel, messages };
  const maxTokens = requestedMaxTokens(req);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  for (const field of ['stop', 'user'] as const) {
    const value = req[field];
    if (value != null) body[field] = value;
  }
  Object.assign(body, miiSampling(req.temperature, req.top_p));
  if (ctx.stream) body.stream = true;
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      accept: ctx.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}

/**
 * MII's OpenAI server always samples (`do_sample` is fixed to true) and its generation parameters refuse
 * a temperature or top_p that is not above 0. OpenAI's `temperature: 0` (greedy decoding), and `top_p: 0`
 * (only the likeliest token), are sent as `top_k: 1`: only the likeliest token is left to sample from.
 * The zero value itself is then left to the server's default.
 */
export function miiSampling(temperature: unknown, topP: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (temperature === 0 || topP === 0) out.top_k = 1;
  if (typeof temperature === 'number' && temperature !== 0) out.temperature = temperature;
  if (typeof topP === 'number' && topP !== 0) out.top_p = topP;
  return out;
}

/** A non-stream answer whose finish reason MII left null: derived from the budget, like its stream's. */
function decodeMiiOpenAiChat(body: string, ctx: CallContext): ChatCompletion {
  const out = decodeOpenAiChat(ENGINE, body, ctx);
  const choice = out.choices[0];
  if (choice && choice.finish_reason === null) {
    const used = out.usage?.completion_tokens ?? estimateTokens(choice.message.content ?? '');
    choice.finish_reason = derivedFinish(used, promptCall(ctx)?.maxTokens);
  }
  return out;
}

/**
 * `/v1/completions`: MII reads only the first stop string and has no echo, suffix or log-probs (it
 * answers `logprobs: null`), so those are refused rather than ignored; its stream chunks lack `created`.
 * A finish reason it left null is derived (completions-finish.ts).
 */
function miiOpenAiCompletions(): Exchange<Record<string, unknown>, Record<string, unknown>> {
  const base = openAiExchange(ENGINE, '/v1/completions', true);
  return {
    ...base,
    build(req, ctx) {
      refuseCompletionExtras(req, ENGINE);
      refuseUnsupportedSampling(req, 'deepspeed-mii-openai', ENGINE);
      refuseSeveralStops(req.stop, ENGINE);
      rememberStops(ctx, req.stop);
      rememberRequestedPrompt(ctx, '', req as { max_tokens?: number | null });
      const { temperature, top_p, ...rest } = req;
      return base.build({ ...rest, ...miiSampling(temperature, top_p) }, ctx);
    },
    decode: (body, ctx) => withDerivedFinish(base.decode(body, ctx), ctx),
    stream: (ctx) => miiCompletionsStream(ENGINE, ctx),
  };
}

/** DeepSpeed-MII's OpenAI-compatible server (`mii.entrypoints.openai_api_server`). */
export const miiOpenAiAdapter: EngineAdapter = {
  protocol: 'deepspeed-mii-openai',
  engine: ENGINE,
  streamFraming: 'native',
  reportsStreamUsage: false,
  buildChat: checkedChat('deepspeed-mii-openai', ENGINE, buildMiiOpenAi),
  decodeChat: decodeMiiOpenAiChat,
  chatStream: (ctx) => miiOpenAiStream(ENGINE, ctx),
  mapError: (status, body, headers) => mapMiiError(ENGINE, status, body, headers),
  health: {
    // Always `{"status":"ok"}` once the server is up: it does not look at the model servers behind it.
    request: () => ({ method: 'GET', path: '/health', headers: {} }),
    interpret: (status) => (status === 200 ? 'ready' : 'down'),
  },
  completions: miiOpenAiCompletions(),
};
