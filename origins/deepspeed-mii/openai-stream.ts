import { EcoError } from '../../schemas/errors.ts';
import type { FinishReason } from '../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { readErrorBody } from '../errors.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { ALL_END_MARKERS } from '../templates/chat-template.ts';
import { derivedFinish, promptCall } from '../templates/prompt-call.ts';
import { askedStops } from '../templates/stop-trim.ts';
import type { CallContext } from '../types.ts';

const FINISH: ReadonlySet<string> = new Set([
  'stop',
  'length',
  'tool_calls',
  'content_filter',
  'function_call',
]);

interface Chunk {
  object?: unknown;
  error?: unknown;
  message?: unknown;
  choices?: { delta?: { content?: unknown; role?: unknown }; finish_reason?: unknown }[];
}

/**
 * Whether MII's last streamed piece is the token that stopped it. Its stop criteria match one token: the
 * end-of-sequence token, or the first token of each stop string. Non-stream answers leave that token
 * out, but a stream sends every sampled token, the stopping one included, before the finish chunk.
 */
export function isStoppingToken(piece: string, stops: readonly string[]): boolean {
  const trimmed = piece.trim();
  if (trimmed.length > 0 && ALL_END_MARKERS.includes(trimmed)) return true;
  // A sentencepiece token decodes with the space its word carries (" END" for the stop "END").
  return [piece, piece.trimStart()].some(
    (p) => p.length > 0 && stops.some((s) => s.startsWith(p) || s.trimStart().startsWith(p)),
  );
}

/**
 * MII's OpenAI server streams chunks without `object`/`created` and never with usage, so they are
 * decoded to native events and re-encoded by the gateway rather than relayed. `data: [DONE]` ends the
 * stream; a body that closes without it is a truncation. MII writes its own finish "none" as null, so
 * a `[DONE]` that no finish reason preceded gets one derived from the budget (one chunk per token).
 */
export function miiOpenAiStream(engine: string, ctx: CallContext): StreamDecoder {
  let finished = false;
  let steps = 0;
  // The latest piece waits for the next chunk: if that one says `stop`, the piece may be the stopping token.
  let held: string | undefined;
  const release = (out: StreamEvent[]) => {
    if (held !== undefined) out.push({ kind: 'delta', content: held });
    held = undefined;
  };
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      if (data === '[DONE]') {
        release(out);
        if (!finished) out.push({ kind: 'finish', reason: derivedFinish(steps, promptCall(ctx)?.maxTokens) });
        return pushEnd(out);
      }
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch {
        return pushError(out, malformedStream(engine, data));
      }
      if (chunk === null || typeof chunk !== 'object') return pushError(out, malformedStream(engine, data));
      if (chunk.object === 'error' || chunk.error !== undefined) {
        return pushError(out, new EcoError(502, 'origin_error', `${engine}: ${readErrorBody(data).message}`));
      }
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
      if (!choice || typeof choice !== 'object') return pushError(out, malformedStream(engine, data));
      const content = choice.delta?.content;
      if (typeof content === 'string' && content.length > 0) {
        steps++;
        release(out);
        held = content;
      } else if (choice.delta?.role === 'assistant') out.push({ kind: 'delta', role: 'assistant' });
      const finish = choice.finish_reason;
      if (typeof finish !== 'string') return;
      if (finish === 'stop' && !finished && held !== undefined && isStoppingToken(held, askedStops(ctx))) {
        held = undefined;
      }
      release(out);
      if (!FINISH.has(finish)) {
        return pushError(
          out,
          new EcoError(502, 'origin_error', `${engine}: generation ended with '${finish}'`),
        );
      }
      if (finished) return;
      finished = true;
      out.push({ kind: 'finish', reason: finish as FinishReason });
    },
    endOfBody: { truncated: `${engine}: the stream ended without [DONE]` },
  });
}
