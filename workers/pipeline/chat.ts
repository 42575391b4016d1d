import type { Context } from 'hono';
import { EcoError } from '../../schemas/errors.ts';
import { ChatCompletionRequest, requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { AppEnv } from '../app-env.ts';
import { chatEndpoint } from '../dispatch/endpoint.ts';
import { validationError } from '../http/validation.ts';
import { refuseManyChoices } from './choices.ts';
import { runInference } from './inference.ts';
import { estimateMediaTokens, estimateTextTokens } from './token-estimate.ts';

/** POST /v1/chat/completions. */
export function runChat(c: Context<AppEnv>): Promise<Response> {
  return runInference(c, (raw) => {
    const parsed = ChatCompletionRequest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    refuseUnservedChatFields(body);
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

/** Fields a valid chat request may carry that no engine here serves: refused, never dropped. */
export function refuseUnservedChatFields(body: ChatCompletionRequest): void {
  refuseManyChoices(body);
  refuseLegacyFunctions(body);
  refuseOtherAnswers(body);
}

/** Request-level `functions`/`function_call` (superseded by `tools`): refused rather than ignored. */
function refuseLegacyFunctions(body: ChatCompletionRequest): void {
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
 * Fields that ask for an answer no engine gives here (audio, a chosen verbosity, a web search): refused,
 * since a plain answer in their place would pass for the one the client asked for.
 */
function refuseOtherAnswers(body: ChatCompletionRequest): void {
  const field = (['audio', 'verbosity', 'web_search_options'] as const).find(
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
