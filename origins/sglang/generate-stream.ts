import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { mapOriginError } from '../errors.ts';
import { startsWithError } from '../openai-compatible/scan.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { derivedFinish, promptCall } from '../templates/prompt-call.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext } from '../types.ts';
import { scanEvent } from './fast-scan.ts';
import { type MetaInfo, sglangFinish, sglangUsage } from './meta.ts';
import { SGLANG } from './request.ts';

interface GenerateEvent {
  text?: unknown;
  meta_info?: MetaInfo;
}

/**
 * SGLang native `/generate` stream: SSE events shaped like the non-stream answer, then `data: [DONE]`.
 * By default each event's `text` is the WHOLE text so far and the delta is what it adds to the
 * previous one; servers started with `--incremental-streaming-output` send deltas (pool option
 * `options.incremental: true`). The finish reason and usage come in `meta_info` of the last event.
 */
export function sglangGenerateStreamDecoder(ctx: CallContext, incremental: boolean): StreamDecoder {
  let finished = false;
  let sent = '';
  let sentRaw = '';
  let fast = true;
  let completionTokens = 0;

  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      if (data === '[DONE]') {
        // Every release sends a finished event first; should one not, the reason is derived.
        if (!finished)
          out.push({ kind: 'finish', reason: derivedFinish(completionTokens, promptCall(ctx)?.maxTokens) });
        return pushEnd(out);
      }
      // Native errors are request errors (a ValueError in the server), reported after the 200.
      if (startsWithError(data)) return pushError(out, mapOriginError(SGLANG, 400, data, new Headers()));
      let delta: string;
      let meta: MetaInfo | undefined;
      const scanned = fast ? scanEvent(data, incremental ? '' : sentRaw) : undefined;
      if (scanned) {
        delta = scanned.delta;
        meta = scanned.meta;
        if (!incremental) sentRaw = scanned.raw;
        sent += delta;
      } else {
        // The full parse, for events the light scan does not recognise; the scan stays off from here on.
        fast = false;
        let event: GenerateEvent;
        try {
          event = JSON.parse(data) as GenerateEvent;
        } catch {
          return pushError(out, malformedStream(SGLANG, data));
        }
        const text = event?.text;
        if (typeof text !== 'string') return pushError(out, malformedStream(SGLANG, data));
        if (incremental) delta = text;
        else if (text.startsWith(sent)) {
          delta = text.slice(sent.length);
          sent = text;
        } else if (isFinal(event) && sent.startsWith(text)) {
          // The finished text, with a stop string the engine had begun to stream trimmed off: what
          // was sent cannot be taken back, and nothing is new.
          delta = '';
        } else {
          return pushError(
            out,
            new EcoError(
              502,
              'origin_malformed_stream',
              `${SGLANG}: the cumulative text changed what it had sent`,
            ),
          );
        }
        meta = event.meta_info;
      }
      if (delta.length > 0) out.push({ kind: 'delta', content: delta });
      completionTokens = tokenCount(meta?.completion_tokens) ?? completionTokens;
      if (finished) return;
      let finish: ReturnType<typeof sglangFinish>;
      try {
        finish = sglangFinish(meta);
      } catch (err) {
        return pushError(out, err as EcoError);
      }
      if (!finish) return;
      finished = true;
      out.push({ kind: 'finish', reason: finish });
      const usage = sglangUsage(meta);
      if (usage) out.push({ kind: 'usage', usage });
    },
    endOfBody: { truncated: `${SGLANG}: the stream ended without [DONE]` },
  });
}

/** The event that carries the finish reason: the last one of a generation. */
function isFinal(event: GenerateEvent): boolean {
  const reason = event.meta_info?.finish_reason;
  return reason !== undefined && reason !== null;
}
