import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { readErrorBody } from '../errors.ts';
import { SseParser } from '../streams/sse.ts';
import { renderChatPrompt, templateFor } from '../templates/chat-template.ts';
import {
  derivedFinish,
  poolMaxTokens,
  promptCall,
  refuseUnsupported,
  rememberPrompt,
  reportedUsage,
  textCompletion,
} from '../templates/prompt-call.ts';
import type { CallContext, OriginRequest } from '../types.ts';
import { lmdeployFinish } from './finish.ts';

export const LMDEPLOY_NATIVE = 'LMDeploy (/generate)';

/** `POST /generate` (v0.10.2+): the prompt is sent as is (`do_preprocess` off), so it is templated here. */
export function buildLmdeployGenerate(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  refuseUnsupported(req, LMDEPLOY_NATIVE);
  const prompt = renderChatPrompt(req.messages, templateFor(ctx.pool), LMDEPLOY_NATIVE);
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
  const prompt = Number(meta?.prompt_tokens);
  const completion = Number(meta?.completion_tokens);
  return Number.isFinite(prompt) && Number.isFinite(completion) ? { prompt, completion } : undefined;
}

export function decodeLmdeployGenerate(body: string, ctx: CallContext) {
  let parsed: GenerateBody;
  try {
    parsed = JSON.parse(body) as GenerateBody;
  } catch {
    throw new EcoError(502, 'origin_malformed_response', `${LMDEPLOY_NATIVE}: the response is not JSON`);
  }
  const tokens = counts(parsed?.meta_info);
  if (typeof parsed?.text !== 'string' || !tokens) {
    throw new EcoError(502, 'origin_malformed_response', `${LMDEPLOY_NATIVE}: the response has no text`);
  }
  const reported = lmdeployFinish(LMDEPLOY_NATIVE, finishType(parsed.meta_info));
  if (reported instanceof EcoError) throw reported;
  const finish = reported ?? derivedFinish(tokens.completion, promptCall(ctx)?.maxTokens);
  return textCompletion(ctx, parsed.text, finish, reportedUsage(tokens.prompt, tokens.completion));
}

/**
 * The `/generate` stream: SSE events with delta `text`, cumulative `meta_info` counts, the finish reason
 * on the last data event, then `data: [DONE]`. A mid-stream error is `data: {"error": {…}}`.
 */
export function lmdeployGenerateStream(ctx: CallContext): StreamDecoder {
  const sse = new SseParser();
  let ended = false;
  let finished = false;
  let last: { prompt: number; completion: number } | undefined;

  const fail = (out: StreamEvent[], err: EcoError) => {
    ended = true;
    out.push({ kind: 'error', error: toErrorInfo(err) });
  };

  const convert = (data: string, out: StreamEvent[]) => {
    if (ended) return;
    if (data === '[DONE]') {
      ended = true;
      if (!finished) {
        // A terminator without a finish reason: derived from the budget, never assumed.
        out.push({
          kind: 'finish',
          reason: derivedFinish(last?.completion ?? 0, promptCall(ctx)?.maxTokens),
        });
      }
      if (last) out.push({ kind: 'usage', usage: reportedUsage(last.prompt, last.completion) });
      out.push({ kind: 'end' });
      return;
    }
    let event: GenerateBody;
    try {
      event = JSON.parse(data) as GenerateBody;
    } catch {
      return fail(out, malformed(data));
    }
    if (event === null || typeof event !== 'object') return fail(out, malformed(data));
    if (event.error !== undefined) {
      return fail(
        out,
        new EcoError(502, 'origin_error', `${LMDEPLOY_NATIVE}: ${readErrorBody(data).message}`),
      );
    }
    if (typeof event.text !== 'string') return fail(out, malformed(data));
    last = counts(event.meta_info) ?? last;
    if (event.text.length > 0 && !finished) out.push({ kind: 'delta', content: event.text });
    const reported = lmdeployFinish(LMDEPLOY_NATIVE, finishType(event.meta_info));
    if (reported instanceof EcoError) return fail(out, reported);
    if (reported && !finished) {
      finished = true;
      out.push({ kind: 'finish', reason: reported });
    }
  };

  return {
    push(bytes) {
      const out: StreamEvent[] = [];
      for (const m of sse.push(bytes)) convert(m.data, out);
      return out;
    },
    end() {
      const out: StreamEvent[] = [];
      for (const m of sse.end()) convert(m.data, out);
      if (!ended) {
        fail(
          out,
          new EcoError(502, 'origin_stream_truncated', `${LMDEPLOY_NATIVE}: the stream ended without [DONE]`),
        );
      }
      return out;
    },
  };
}

function malformed(data: string): EcoError {
  return new EcoError(
    502,
    'origin_malformed_stream',
    `${LMDEPLOY_NATIVE}: malformed stream event: ${data.slice(0, 120)}`,
  );
}
