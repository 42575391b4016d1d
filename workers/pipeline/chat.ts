import type { Context } from 'hono';
import { EcoError } from '../../schemas/errors.ts';
import {
  type ChatCompletionInput,
  ChatCompletionRequest,
  requestedMaxTokens,
} from '../../schemas/openai/chat.ts';
import type { AppEnv } from '../app-env.ts';
import { chatEndpoint } from '../dispatch/endpoint.ts';
import { validationError } from '../http/validation.ts';
import { servedTools } from './chat-tools.ts';
import { refuseManyChoices } from './choices.ts';
import { servedImageDetail } from './image-detail.ts';
import { runInference } from './inference.ts';
import { refuseNonPublicMediaUrls } from './media-urls.ts';
import { estimateMediaTokens, estimateTextTokens } from './token-estimate.ts';

/** POST /v1/chat/completions. */
export function runChat(c: Context<AppEnv>): Promise<Response> {
  return runInference(c, (raw) => {
    const parsed = ChatCompletionRequest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const body = refuseUnservedChatFields(parsed.data);
    // The text's estimate sizes a default max_tokens; budgets reserve it with the media allowance.
    const textEstimate = estimateTextTokens(body.messages, body);
    return {
      model: body.model,
      capability: 'chat',
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      promptEstimate: textEstimate + estimateMediaTokens(body.messages),
      contextEstimate: textEstimate,
      maxTokens: requestedMaxTokens(body),
      endpoint: (defaultMaxTokens) =>
        chatEndpoint(defaultMaxTokens === undefined ? body : { ...body, max_tokens: defaultMaxTokens }),
    };
  });
}

/**
 * Fields a valid chat request may carry that no engine here serves: refused, never dropped. Returns the
 * request as engines get it (an `allowed_tools` choice resolved, image detail in their terms).
 */
export function refuseUnservedChatFields(body: ChatCompletionInput): ChatCompletionRequest {
  refuseManyChoices(body);
  refuseLegacyFunctions(body);
  refuseOtherAnswers(body);
  refuseNonPublicMediaUrls(body.messages);
  const { tools, tool_choice } = servedTools(body);
  return { ...body, tools, tool_choice, messages: servedImageDetail(body.messages) };
}

/** Request-level `functions`/`function_call` (superseded by `tools`): refused rather than ignored. */
function refuseLegacyFunctions(body: ChatCompletionInput): void {
  const field = (['functions', 'function_call'] as const).find((name) => body[name] !== undefined);
  if (field === undefined) return;
  throw new EcoError(
    400,
    'unsupported_parameter',
    `'${field}' is not supported; describe functions with 'tools' (and choose with 'tool_choice').`,
    { param: field },
  );
}

/**
 * Fields that ask for an answer no engine gives here (audio, a chosen verbosity, a web search, a
 * moderated one): refused, since a plain answer in their place would pass for the one asked for.
 */
function refuseOtherAnswers(body: ChatCompletionInput): void {
  const field = (['audio', 'verbosity', 'web_search_options', 'moderation'] as const).find(
    (name) => body[name] !== undefined,
  );
  if (field !== undefined)
    throw new EcoError(
      400,
      'unsupported_parameter',
      `'${field}' is not supported by the engines of this gateway.`,
      {
        param: field,
      },
    );
  const other = body.modalities?.findIndex((m) => m !== 'text') ?? -1;
  if (other >= 0)
    throw new EcoError(
      400,
      'unsupported_parameter',
      `Only text output is served; '${body.modalities![other]}' is not.`,
      {
        param: `modalities.${other}`,
      },
    );
}
