import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { derivedFinish, estimatedUsage, promptCall } from '../templates/prompt-call.ts';
import { stopHoldback } from '../templates/stop-trim.ts';
import type { CallContext } from '../types.ts';
import { tritonErrorStatus } from './triton-errors.ts';
import { stripsEcho, TRITON_ENGINE } from './triton-request.ts';
import { EchoStripper, stripEndMarker } from './triton-text.ts';

/**
 * Triton `generate_stream`: SSE `data: {…text_output…}` per decoding step, with no terminator, no
 * finish reason and no usage. The end of the body ends the stream: the HTTP layer reports a cut
 * connection as a read error, so a clean end of body after at least one response is a finished
 * generation. A partial frame at the end, or no response at all, is a truncation. The finish reason is
 * derived (end-of-turn marker seen, an asked-for stop word ending the text, or budget not used up →
 * `stop`; budget used up → `length`) and usage is estimated and flagged. The stop word itself, which
 * the model's text ends with, is cut.
 */
export function tritonStreamDecoder(ctx: CallContext): StreamDecoder {
  const call = promptCall(ctx);
  const echo = new EchoStripper(stripsEcho(ctx.pool) ? call?.prompt : undefined);
  // Text is held back by the longest asked-for stop: the model's last tokens may be that stop word.
  const held = stopHoldback(ctx);
  let steps = 0;
  let text = '';
  let sawEndMarker = false;

  const send = (out: StreamEvent[], piece: string) => {
    if (piece.length > 0) out.push({ kind: 'delta', content: piece });
  };
  const emit = (out: StreamEvent[], piece: string) => {
    text += piece;
    send(out, held.push(piece));
  };

  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      let parsed: { text_output?: unknown; error?: unknown };
      try {
        parsed = JSON.parse(data) as typeof parsed;
      } catch {
        return pushError(out, malformedStream(TRITON_ENGINE, data));
      }
      if (parsed === null || typeof parsed !== 'object')
        return pushError(out, malformedStream(TRITON_ENGINE, data));
      if (parsed.error !== undefined) {
        const message = typeof parsed.error === 'string' ? parsed.error : JSON.stringify(parsed.error);
        const status = tritonErrorStatus(message, 502);
        const code = status === 429 ? 'origin_overloaded' : 'origin_error';
        return pushError(out, new EcoError(status, code, `${TRITON_ENGINE}: ${message.slice(0, 500)}`));
      }
      if (typeof parsed.text_output !== 'string') return pushError(out, malformedStream(TRITON_ENGINE, data));
      steps++;
      if (sawEndMarker) return; // nothing after the end of the turn is part of the answer
      const cut = stripEndMarker(parsed.text_output);
      if (cut.ended) sawEndMarker = true;
      emit(out, echo.push(cut.text));
    },
    endOfBody: {
      close(out) {
        if (steps === 0) {
          pushError(
            out,
            new EcoError(
              502,
              'origin_stream_truncated',
              `${TRITON_ENGINE}: the stream ended before any response`,
            ),
          );
          return;
        }
        emit(out, echo.flush());
        const rest = sawEndMarker ? { text: held.finish(false), cut: false } : held.finishIfMatched();
        send(out, rest.text);
        const finish = sawEndMarker || rest.cut ? 'stop' : derivedFinish(steps, call?.maxTokens);
        out.push({ kind: 'finish', reason: finish });
        out.push({ kind: 'usage', usage: estimatedUsage(call?.prompt ?? '', text, steps) });
        pushEnd(out);
      },
    },
  });
}
