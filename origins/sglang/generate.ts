import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletion, FinishReason, Usage } from '../../schemas/openai/chat.ts';
import { parseAnswer } from '../error-answer.ts';
import {
  estimatedUsage,
  promptCall,
  rememberRequestedPrompt,
  textCompletion,
} from '../templates/prompt-call.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import type { CallContext, Exchange } from '../types.ts';
import { sglangGenerateStreamDecoder } from './generate-stream.ts';
import { type MetaInfo, sglangFinish, sglangUsage } from './meta.ts';
import { generateRequest, SGLANG, type SglangSampling, samplingParams } from './request.ts';

/** The non-stream `/generate` answer: `{text, output_ids, meta_info:{finish_reason, prompt_tokens, …}}`. */
function readGenerate(body: string, ctx: CallContext): { text: string; finish: FinishReason; usage: Usage } {
  const parsed = parseAnswer<{ text?: unknown; meta_info?: MetaInfo }>(SGLANG, body);
  if (!parsed || typeof parsed.text !== 'string') {
    throw new EcoError(502, 'origin_malformed_response', `${SGLANG}: the response has no text`);
  }
  const finish = sglangFinish(parsed.meta_info);
  if (!finish) throw new EcoError(502, 'origin_malformed_response', `${SGLANG}: the answer is not finished`);
  const usage = sglangUsage(parsed.meta_info) ?? estimatedUsage(promptCall(ctx)?.prompt ?? '', parsed.text);
  return { text: parsed.text, finish, usage };
}

export function decodeSglangChat(body: string, ctx: CallContext): ChatCompletion {
  const answer = readGenerate(body, ctx);
  return textCompletion(ctx, answer.text, answer.finish, answer.usage);
}

export function incrementalOption(ctx: CallContext): boolean {
  return ctx.pool.options.incremental === true;
}

/** `/v1/completions` through `/generate`: the prompt is sent as is, without a chat template. */
export const sglangCompletions: Exchange<Record<string, unknown>, Record<string, unknown>> = {
  build(req, ctx) {
    refuseCompletionExtras(req, SGLANG);
    const prompt = completionPrompt(req, SGLANG);
    const sampling = req as SglangSampling;
    rememberRequestedPrompt(ctx, prompt, sampling);
    return generateRequest(prompt, samplingParams(sampling, ctx.pool), ctx.stream);
  },
  decode(body, ctx) {
    const answer = readGenerate(body, ctx);
    return textCompletionObject(ctx, answer.text, answer.finish, answer.usage);
  },
  stream: (ctx) => sglangGenerateStreamDecoder(ctx, incrementalOption(ctx)),
};
