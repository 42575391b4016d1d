import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { renderMessageText } from '../templates/chat-template.ts';
import { refuseUnsupported } from '../templates/prompt-call.ts';
import type { CallContext, EngineAdapter, OriginRequest } from '../types.ts';
import { mapMiiError } from './errors.ts';
import { miiOpenAiStream } from './openai-stream.ts';

const ENGINE = 'DeepSpeed-MII (OpenAI server)';

/**
 * MII's FastChat-derived request model: `messages` are `{role, content: string}` (content parts fail its
 * validation, so text parts are joined), no seed, tools or response_format; `stream_options` is ignored.
 */
export function buildMiiOpenAi(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  refuseUnsupported(req, ENGINE);
  const body: Record<string, unknown> = {
    model: ctx.engineModel,
    messages: req.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: renderMessageText(m, ENGINE),
    })),
  };
  const maxTokens = requestedMaxTokens(req);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  for (const field of [
    'temperature',
    'top_p',
    'stop',
    'presence_penalty',
    'frequency_penalty',
    'user',
  ] as const) {
    const value = req[field];
    if (value != null) body[field] = value;
  }
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

/** DeepSpeed-MII's OpenAI-compatible server (`mii.entrypoints.openai_api_server`). */
export const miiOpenAiAdapter: EngineAdapter = {
  protocol: 'deepspeed-mii-openai',
  engine: ENGINE,
  streamFraming: 'native',
  reportsStreamUsage: false,
  buildChat: buildMiiOpenAi,
  decodeChat: (body, ctx) => decodeOpenAiChat(ENGINE, body, ctx),
  chatStream: () => miiOpenAiStream(ENGINE),
  mapError: (status, body, headers) => mapMiiError(ENGINE, status, body, headers),
  health: {
    // Always `{"status":"ok"}` once the server is up: it does not look at the model servers behind it.
    request: () => ({ method: 'GET', path: '/health', headers: {} }),
    interpret: (status) => (status === 200 ? 'ready' : 'down'),
  },
  completions: openAiExchange(ENGINE, '/v1/completions', true),
};
