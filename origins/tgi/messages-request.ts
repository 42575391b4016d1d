import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { buildOpenAiChat, type ForwardedField } from '../openai-compatible/request.ts';
import type { CallContext, OriginRequest } from '../types.ts';
import { jsonGrammar, tgiSeed, usableTopP } from './request.ts';

/**
 * Fields TGI's ChatRequest does not read: `n` and `logit_bias` are documented as unused; the others are
 * not part of its request model. `max_completion_tokens` is sent renamed (legacyMaxTokens).
 */
const MESSAGES_OMIT: ReadonlySet<ForwardedField> = new Set([
  'n',
  'logit_bias',
  'parallel_tool_calls',
  'reasoning_effort',
  'response_format',
  'user',
]);

/**
 * The Messages API request: OpenAI's body where TGI reads it alike; otherwise in TGI's terms. Its
 * `stop` is a list only (a string fails deserialization), its top_p goes through the same (0, 1)
 * validation as `/generate`, and its response_format is TGI's grammar type.
 */
export function buildTgiMessagesChat(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  return buildOpenAiChat(req, ctx, {
    omit: MESSAGES_OMIT,
    legacyMaxTokens: true,
    adjust(body) {
      if (typeof body.stop === 'string') body.stop = [body.stop];
      if (typeof body.seed === 'number') body.seed = tgiSeed(body.seed);
      if (!usableTopP(req)) delete body.top_p;
      const grammar = jsonGrammar(req.response_format);
      if (grammar) body.response_format = grammar;
    },
  });
}
