import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { SseParser } from '../streams/sse.ts';
import { derivedFinish, promptCall, reportedUsage } from '../templates/prompt-call.ts';
import type { CallContext } from '../types.ts';
import { tgiFinish, tgiStreamError } from './errors.ts';

interface StreamToken {
  text?: unknown;
  special?: unknown;
}

interface StreamResponse {
  index?: unknown;
  token?: StreamToken | null;
  generated_text?: unknown;
  details?: { finish_reason?: unknown; generated_tokens?: unknown; input_length?: unknown } | null;
  error?: unknown;
  error_type?: unknown;
}

/**
 * TGI `/generate_stream`: one SSE event per token, no `[DONE]`. The last token event carries the full
 * `generated_text` (and, with `details: true`, the finish reason and token counts): that event is the
 * stream's end. A body that closes before it was cut short. Special tokens (EOS) carry no text for the
 * client. Errors, validation and overload included, arrive as `{"error","error_type"}` events.
 */
export function tgiGenerateStreamDecoder(engine: string, ctx: CallContext): StreamDecoder {
  const sse = new SseParser();
  let ended = false;
  let tokens = 0;

  const fail = (out: StreamEvent[], err: EcoError) => {
    ended = true;
    out.push({ kind: 'error', error: toErrorInfo(err) });
  };

  const convert = (data: string, out: StreamEvent[]) => {
    if (ended) return;
    let event: StreamResponse;
    try {
      event = JSON.parse(data) as StreamResponse;
    } catch {
      return fail(out, malformed(engine, data));
    }
    if (event === null || typeof event !== 'object') return fail(out, malformed(engine, data));
    if (event.error !== undefined) return fail(out, tgiStreamError(engine, data, event.error_type));
    const token = event.token;
    if (!token || typeof token !== 'object') return fail(out, malformed(engine, data));
    tokens++;
    if (token.special !== true && typeof token.text === 'string' && token.text.length > 0) {
      out.push({ kind: 'delta', content: token.text });
    }
    if (event.generated_text == null && event.details == null) return;
    const details = event.details;
    const completion = Number(details?.generated_tokens);
    const finish =
      tgiFinish(details?.finish_reason) ??
      // Without details TGI says nothing about why it stopped: derived from the budget.
      derivedFinish(Number.isFinite(completion) ? completion : tokens, promptCall(ctx)?.maxTokens);
    out.push({ kind: 'finish', reason: finish });
    const prompt = Number(details?.input_length);
    if (Number.isFinite(prompt) && Number.isFinite(completion)) {
      out.push({ kind: 'usage', usage: reportedUsage(prompt, completion) });
    }
    ended = true;
    out.push({ kind: 'end' });
  };

  return {
    push(bytes) {
      const out: StreamEvent[] = [];
      for (const message of sse.push(bytes)) convert(message.data, out);
      return out;
    },
    end() {
      const out: StreamEvent[] = [];
      for (const message of sse.end()) convert(message.data, out);
      if (!ended) {
        fail(
          out,
          new EcoError(502, 'origin_stream_truncated', `${engine}: the stream ended before its final token`),
        );
      }
      return out;
    },
  };
}

export function malformed(engine: string, data: string): EcoError {
  return new EcoError(
    502,
    'origin_malformed_stream',
    `${engine}: malformed stream event: ${data.slice(0, 120)}`,
  );
}
