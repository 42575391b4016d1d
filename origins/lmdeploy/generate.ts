import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { refuseUnsupportedSampling } from '../chat-fields.ts';
import { parseAnswer } from '../error-answer.ts';
import { streamErrorEvent } from '../openai-compatible/stream-error.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { renderChatPrompt, templateFor } from '../templates/chat-template.ts';
import {
  derivedFinish,
  poolMaxTokens,
  promptCall,
  rememberPrompt,
  reportedUsage,
  textCompletion,
} from '../templates/prompt-call.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext, Exchange, OriginRequest } from '../types.ts';
import { lmdeployFinish } from './finish.ts';

export const LMDEPLOY_NATIVE = 'LMDeploy (/generate)';

/** Sampling fields common to chat and completion requests, in OpenAI's names. */
interface LmdeploySampling {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
}

/** `POST /generate` (v0.10.2+): the prompt is sent as is (`do_preprocess` off), so it is templated here. */
export function buildLmdeployGenerate(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  const prompt = renderChatPrompt(req.messages, templateFor(ctx.pool), LMDEPLOY_NATIVE);
  return generateRequest(prompt, req, ctx);
}

function generateRequest(prompt: string, req: LmdeploySampling, ctx: CallContext): OriginRequest {
  const maxTokens = requestedMaxTokens(req) ?? poolMaxTokens(ctx.pool);
  rememberPrompt(ctx, { prompt, maxTokens });
  const body: Record<string, unknown> = { prompt, max_tokens: maxTokens, stream: ctx.stream };
  if (req.temperature != null) body.temperature = req.temperature;
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.stop != null) body.stop = req.stop;
  return {
    method: 'POST',
    path: '/generate',
    headers: {
      'content-type': 'application/json',
      accept: ctx.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}

interface GenerateBody {
  text?: unknown;
  error?: unknown;
  meta_info?: { prompt_tokens?: unknown; completion_tokens?: unknown; finish_reason?: unknown };
}

function finishType(meta: GenerateBody['meta_info']): unknown {
  const f = meta?.finish_reason;
  return f !== null && typeof f === 'object' ? (f as { type?: unknown }).type : f;
}

function counts(meta: GenerateBody['meta_info']) {
  const prompt = tokenCount(meta?.prompt_tokens);
  const completion = tokenCount(meta?.completion_tokens);
  return prompt !== undefined && completion !== undefined ? { prompt, completion } : undefined;
}

function readGenerate(body: string, ctx: CallContext) {
  const parsed = parseAnswer<GenerateBody>(LMDEPLOY_NATIVE, body);
  const tokens = counts(parsed?.meta_info);
  if (typeof parsed?.text !== 'string' || !tokens) {
    throw new EcoError(502, 'origin_malformed_response', `${LMDEPLOY_NATIVE}: the response has no text`);
  }
  const reported = lmdeployFinish(LMDEPLOY_NATIVE, finishType(parsed.meta_info));
  if (reported instanceof EcoError) throw reported;
  if (promptTooLong(parsed.text, reported, tokens.completion)) throw contextLengthExceeded();
  const finish = reported ?? derivedFinish(tokens.completion, promptCall(ctx)?.maxTokens);
  return { text: parsed.text, finish, usage: reportedUsage(tokens.prompt, tokens.completion) } as const;
}

/**
 * LMDeploy up to v0.15 answers a prompt longer than the session with 200, no text, no token generated
 * and finish reason `length` ("run out of tokens"), where later releases answer 400. A stream that
 * produced nothing at all before such an end is the same answer.
 */
function promptTooLong(text: string, finish: unknown, completion: number | undefined): boolean {
  return text.length === 0 && finish === 'length' && completion === 0;
}

function contextLengthExceeded(): EcoError {
  return new EcoError(
    400,
    'context_length_exceeded',
    `${LMDEPLOY_NATIVE}: the prompt does not fit the model's session length (no token was generated)`,
  );
}

export function decodeLmdeployGenerate(body: string, ctx: CallContext) {
  const answer = readGenerate(body, ctx);
  return textCompletion(ctx, answer.text, answer.finish, answer.usage);
}

/** `/v1/completions` through `/generate`: the prompt is sent as is, without a chat template. */
export const lmdeployCompletions: Exchange<Record<string, unknown>, Record<string, unknown>> = {
  build(req, ctx) {
    refuseCompletionExtras(req, LMDEPLOY_NATIVE);
    refuseUnsupportedSampling(req, 'lmdeploy', LMDEPLOY_NATIVE);
    return generateRequest(completionPrompt(req, LMDEPLOY_NATIVE), req as LmdeploySampling, ctx);
  },
  decode(body, ctx) {
    const answer = readGenerate(body, ctx);
    return textCompletionObject(ctx, answer.text, answer.finish, answer.usage);
  },
  stream: (ctx) => lmdeployGenerateStream(ctx),
};

/**
 * The `/generate` stream: SSE events with delta `text`, cumulative `meta_info` counts, the finish reason
 * on the last data event, then `data: [DONE]`. A mid-stream error is `data: {"error": {…}}`.
 */
export function lmdeployGenerateStream(ctx: CallContext): StreamDecoder {
  let finished = false;
  let last: { prompt: number; completion: number } | undefined;

  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      if (data === '[DONE]') {
        if (!finished) {
          // A terminator without a finish reason: derived from the budget, never assumed.
          out.push({
            kind: 'finish',
            reason: derivedFinish(last?.completion ?? 0, promptCall(ctx)?.maxTokens),
          });
        }
        if (last) out.push({ kind: 'usage', usage: reportedUsage(last.prompt, last.completion) });
        return pushEnd(out);
      }
      let event: GenerateBody;
      try {
        event = JSON.parse(data) as GenerateBody;
      } catch {
        return pushError(out, malformedStream(LMDEPLOY_NATIVE, data));
      }
      if (event === null || typeof event !== 'object')
        return pushError(out, malformedStream(LMDEPLOY_NATIVE, data));
      // The OpenAI server's error event (`{"error": {…, "code": <HTTP status>}}`), read the same way.
      if (event.error !== undefined) return pushError(out, streamErrorEvent(LMDEPLOY_NATIVE, data));
      if (typeof event.text !== 'string') return pushError(out, malformedStream(LMDEPLOY_NATIVE, data));
      last = counts(event.meta_info) ?? last;
      if (event.text.length > 0 && !finished) out.push({ kind: 'delta', content: event.text });
      const reported = lmdeployFinish(LMDEPLOY_NATIVE, finishType(event.meta_info));
      if (reported instanceof EcoError) return pushError(out, reported);
      if (!finished && promptTooLong(event.text, reported, last?.completion)) {
        return pushError(out, contextLengthExceeded());
      }
      if (reported && !finished) {
        finished = true;
        out.push({ kind: 'finish', reason: reported });
      }
    },
    endOfBody: { truncated: `${LMDEPLOY_NATIVE}: the stream ended without [DONE]` },
  });
}
