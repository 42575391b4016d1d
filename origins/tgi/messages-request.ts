import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { buildOpenAiChat, type ForwardedField } from '../openai-compatible/request.ts';
import { rememberRequestedPrompt } from '../templates/prompt-call.ts';
import { rememberStops } from '../templates/stop-trim.ts';
import { unsignedSeed } from '../templates/unsigned-seed.ts';
import type { CallContext, OriginRequest } from '../types.ts';
import { jsonGrammar, usableTopP } from './request.ts';

/**
 * Fields TGI's ChatRequest does not read and whose absence changes nothing: `n` is always 1 here,
 * `parallel_tool_calls` and `user` have no effect on the answer; `response_format` is rewritten below.
 * `logit_bias` and `reasoning_effort`, which would change it, are refused before (chat-fields.ts).
 * `max_completion_tokens` is sent renamed (legacyMaxTokens).
 */
const MESSAGES_OMIT: ReadonlySet<ForwardedField> = new Set([
  'n',
  'parallel_tool_calls',
  'response_format',
  'user',
]);

/**
 * The Messages API request: OpenAI's body where TGI reads it alike; otherwise in TGI's terms. Its
 * `stop` is a list only (a string fails deserialization), its top_p goes through the same (0, 1)
 * validation as `/generate`, and its response_format is TGI's grammar type.
 */
export function buildTgiMessagesChat(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  rememberStops(ctx, req.stop);
  // Its stream may end without a finish reason: the budget tells `length` from `stop` (messages-stream.ts).
  rememberRequestedPrompt(ctx, '', req);
  return buildOpenAiChat(req, ctx, {
    omit: MESSAGES_OMIT,
    legacyMaxTokens: true,
    adjust(body) {
      if (typeof body.stop === 'string') body.stop = [body.stop];
      // TGI would read even the neutral 0 as repetition_penalty 2.0 (other values are refused before).
      delete body.presence_penalty;
      if (typeof body.seed === 'number') body.seed = unsignedSeed(body.seed);
      if (!usableTopP(req)) delete body.top_p;
      const grammar = jsonGrammar(req.response_format);
      if (grammar) body.response_format = grammar;
    },
  });
}
