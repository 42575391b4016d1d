import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { derivedFinish, promptCall, reportedUsage } from '../templates/prompt-call.ts';
import { stopHoldback } from '../templates/stop-trim.ts';
import { tokenCount } from '../token-count.ts';
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
  let tokens = 0;
  const held = stopHoldback(ctx);
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      let event: StreamResponse;
      try {
        event = JSON.parse(data) as StreamResponse;
      } catch {
        return pushError(out, malformedStream(engine, data));
      }
      if (event === null || typeof event !== 'object') return pushError(out, malformedStream(engine, data));
      if (event.error !== undefined) return pushError(out, tgiStreamError(engine, data, event.error_type));
      const token = event.token;
      if (!token || typeof token !== 'object') return pushError(out, malformedStream(engine, data));
      tokens++;
      if (token.special !== true && typeof token.text === 'string' && token.text.length > 0) {
        const ready = held.push(token.text);
        if (ready.length > 0) out.push({ kind: 'delta', content: ready });
      }
      if (event.generated_text == null && event.details == null) return;
      const details = event.details;
      const rest = held.finish(details?.finish_reason === 'stop_sequence');
      if (rest.length > 0) out.push({ kind: 'delta', content: rest });
      const completion = tokenCount(details?.generated_tokens);
      const finish =
        tgiFinish(details?.finish_reason) ??
        // Without details TGI says nothing about why it stopped: derived from the budget.
        derivedFinish(completion ?? tokens, promptCall(ctx)?.maxTokens);
      out.push({ kind: 'finish', reason: finish });
      const prompt = tokenCount(details?.input_length);
      if (prompt !== undefined && completion !== undefined) {
        out.push({ kind: 'usage', usage: reportedUsage(prompt, completion) });
      }
      return pushEnd(out);
    },
    endOfBody: { truncated: `${engine}: the stream ended before its final token` },
  });
}
