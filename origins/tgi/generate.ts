import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletion, FinishReason } from '../../schemas/openai/chat.ts';
import { refuseUnsupportedSampling } from '../chat-fields.ts';
import { parseAnswer } from '../error-answer.ts';
import {
  derivedFinish,
  estimatedUsage,
  promptCall,
  rememberRequestedPrompt,
  textCompletion,
} from '../templates/prompt-call.ts';
import { rememberStops, withoutMatchedStop } from '../templates/stop-trim.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext, Exchange } from '../types.ts';
import { tgiFinish } from './errors.ts';
import { tgiGenerateStreamDecoder } from './generate-stream.ts';
import { generateRequest, type Sampling, TGI, tgiParameters } from './request.ts';

interface GenerateAnswer {
  text: string;
  finish: FinishReason;
  completionTokens: number | undefined;
}

/**
 * TGI `/generate` non-stream answer: `{generated_text, details:{finish_reason, generated_tokens,…}}`.
 * Prompt tokens come only in the `x-prompt-tokens` response header, which adapters do not see, so the
 * prompt count is estimated from the rendered prompt and the usage is flagged `eco_estimated`.
 */
function readGenerate(body: string, ctx: CallContext): GenerateAnswer {
  const parsed = parseAnswer<{
    generated_text?: unknown;
    details?: { finish_reason?: unknown; generated_tokens?: unknown };
  }>(TGI, body);
  if (!parsed || typeof parsed.generated_text !== 'string') {
    throw new EcoError(502, 'origin_malformed_response', `${TGI}: the response has no generated_text`);
  }
  const completionTokens = tokenCount(parsed.details?.generated_tokens);
  const finish =
    tgiFinish(parsed.details?.finish_reason) ??
    derivedFinish(
      completionTokens ?? Math.ceil(parsed.generated_text.length / 4),
      promptCall(ctx)?.maxTokens,
    );
  const stopped = parsed.details?.finish_reason === 'stop_sequence';
  const text = stopped ? withoutMatchedStop(parsed.generated_text, ctx) : parsed.generated_text;
  return { text, finish, completionTokens };
}

export function decodeTgiChat(body: string, ctx: CallContext): ChatCompletion {
  const answer = readGenerate(body, ctx);
  const prompt = promptCall(ctx)?.prompt ?? '';
  return textCompletion(
    ctx,
    answer.text,
    answer.finish,
    estimatedUsage(prompt, answer.text, answer.completionTokens),
  );
}

/** `/v1/completions` through `/generate`: the prompt is sent as is, without a chat template. */
export const tgiCompletions: Exchange<Record<string, unknown>, Record<string, unknown>> = {
  build(req, ctx) {
    refuseCompletionExtras(req, TGI);
    refuseUnsupportedSampling(req, 'tgi', TGI);
    const prompt = completionPrompt(req, TGI);
    const sampling = req as Sampling;
    rememberRequestedPrompt(ctx, prompt, sampling);
    rememberStops(ctx, sampling.stop);
    return generateRequest(prompt, tgiParameters(sampling), ctx.stream);
  },
  decode(body, ctx) {
    const answer = readGenerate(body, ctx);
    const usage = estimatedUsage(promptCall(ctx)?.prompt ?? '', answer.text, answer.completionTokens);
    return textCompletionObject(ctx, answer.text, answer.finish, usage);
  },
  stream: (ctx) => tgiGenerateStreamDecoder(TGI, ctx),
};
