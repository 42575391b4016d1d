import { asEcoError, EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { checkedChat, refuseUnsupportedSampling } from '../chat-fields.ts';
import { parseAnswer } from '../error-answer.ts';
import { frameTooLarge, MAX_FRAME_CHARS } from '../streams/framed-decoder.ts';
import { renderChatPrompt, templateFor } from '../templates/chat-template.ts';
import {
  derivedFinish,
  promptCall,
  rememberRequestedPrompt,
  reportedUsage,
  textCompletion,
} from '../templates/prompt-call.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext, EngineAdapter, Exchange, OriginRequest } from '../types.ts';
import { mapMiiError } from './errors.ts';

const ENGINE = 'DeepSpeed-MII (REST)';

function deployment(ctx: CallContext): string {
  const name = ctx.pool.options.deployment;
  return typeof name === 'string' && name.length > 0 ? name : ctx.engineModel;
}

/** Sampling fields common to chat and completion requests, in OpenAI's names. */
interface MiiSampling {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
}

/**
 * `POST /mii/<deployment>` takes `client.generate()` keyword arguments. It cannot stream, so a stream
 * request is sent as a plain one and its answer replayed as a single delta.
 */
export function buildMiiRest(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  return miiRequest(renderChatPrompt(req.messages, templateFor(ctx.pool), ENGINE), req, ctx);
}

function miiRequest(prompt: string, req: MiiSampling, ctx: CallContext): OriginRequest {
  const maxTokens = rememberRequestedPrompt(ctx, prompt, req);
  const body: Record<string, unknown> = { prompts: [prompt] };
  if (maxTokens !== undefined) body.max_new_tokens = maxTokens;
  // MII samples by default and takes only a temperature and top_p above 0: either at 0 means greedy
  // decoding, which it spells do_sample=false.
  if (req.temperature === 0 || req.top_p === 0) body.do_sample = false;
  if (req.temperature != null && req.temperature !== 0) body.temperature = req.temperature;
  if (req.top_p != null && req.top_p !== 0) body.top_p = req.top_p;
  if (req.stop != null) body.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  return {
    method: 'POST',
    path: `/mii/${encodeURIComponent(deployment(ctx))}`,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  };
}

interface MiiResponse {
  generated_text: string;
  finish_reason?: unknown;
  prompt_length?: unknown;
  generated_length?: unknown;
}

function readResponse(body: string): MiiResponse {
  const parsed = parseAnswer(ENGINE, body);
  const first = Array.isArray(parsed) ? parsed[0] : undefined;
  if (!first || typeof first !== 'object' || typeof (first as MiiResponse).generated_text !== 'string') {
    throw new EcoError(502, 'origin_malformed_response', `${ENGINE}: the response has no generated_text`);
  }
  return first as MiiResponse;
}

/** The answer's text, finish (MII's own; derived when it says `none`) and reported usage. */
function interpret(r: MiiResponse, ctx: CallContext) {
  const completion = tokenCount(r.generated_length);
  const prompt = tokenCount(r.prompt_length);
  if (completion === undefined || prompt === undefined) {
    throw new EcoError(502, 'origin_malformed_response', `${ENGINE}: the response has no token counts`);
  }
  const finish =
    r.finish_reason === 'stop' || r.finish_reason === 'length'
      ? r.finish_reason
      : derivedFinish(completion, promptCall(ctx)?.maxTokens);
  return { text: r.generated_text, finish, usage: reportedUsage(prompt, completion) } as const;
}

export function decodeMiiRest(body: string, ctx: CallContext) {
  const a = interpret(readResponse(body), ctx);
  return textCompletion(ctx, a.text, a.finish, a.usage);
}

/** The whole JSON answer is read, then given out as one delta, its finish and its usage. */
export function miiRestStream(ctx: CallContext): StreamDecoder {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let failed = false;
  return {
    push(bytes) {
      if (failed) return [];
      text += decoder.decode(bytes, { stream: true });
      // The whole body is one frame here: bounded like any other.
      if (text.length <= MAX_FRAME_CHARS) return [];
      failed = true;
      text = '';
      return [{ kind: 'error', error: toErrorInfo(frameTooLarge()) }];
    },
    end() {
      if (failed) return [];
      text += decoder.decode();
      if (text.trim().length === 0) {
        const err = new EcoError(502, 'origin_stream_truncated', `${ENGINE}: the response was empty`);
        return [{ kind: 'error', error: toErrorInfo(err) }];
      }
      try {
        const a = interpret(readResponse(text), ctx);
        const out: StreamEvent[] = [];
        if (a.text.length > 0) out.push({ kind: 'delta', content: a.text });
        out.push({ kind: 'finish', reason: a.finish }, { kind: 'usage', usage: a.usage }, { kind: 'end' });
        return out;
      } catch (err) {
        return [{ kind: 'error', error: toErrorInfo(asEcoError(err)) }];
      }
    },
  };
}

/**
 * `/v1/completions` through the same endpoint: the prompt is sent as is, without a chat template. A
 * streamed completion is answered like a streamed chat: the whole answer replayed as one chunk.
 */
export const miiRestCompletions: Exchange<Record<string, unknown>, Record<string, unknown>> = {
  build(req, ctx) {
    refuseCompletionExtras(req, ENGINE);
    refuseUnsupportedSampling(req, 'deepspeed-mii', ENGINE);
    return miiRequest(completionPrompt(req, ENGINE), req as MiiSampling, ctx);
  },
  decode(body, ctx) {
    const a = interpret(readResponse(body), ctx);
    return textCompletionObject(ctx, a.text, a.finish, a.usage);
  },
  stream: miiRestStream,
};

/** DeepSpeed-MII's RESTful gateway (`enable_restful_api`). */
export const miiRestAdapter: EngineAdapter = {
  protocol: 'deepspeed-mii',
  engine: ENGINE,
  streamFraming: 'native',
  reportsStreamUsage: true,
  buildChat: checkedChat('deepspeed-mii', ENGINE, buildMiiRest),
  decodeChat: decodeMiiRest,
  chatStream: miiRestStream,
  mapError: (status, body, headers) => mapMiiError(ENGINE, status, body, headers),
  health: {
    request: () => ({ method: 'GET', path: '/healthz', headers: {} }),
    interpret: (status) => (status === 200 ? 'ready' : 'down'),
  },
  completions: miiRestCompletions,
};
