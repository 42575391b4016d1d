import { EcoError } from '../../schemas/errors.ts';
import type { FinishReason, Usage } from '../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import {
  type EndOfBody,
  framedDecoder,
  type MessageHandler,
  malformedStream,
  pushEnd,
  pushError,
} from '../streams/framed-decoder.ts';
import { rewriteChunk } from './chunk-rewrite.ts';
import {
  carriesUsage,
  FAILED_FINISH_REASONS,
  finishReason,
  firstTextField,
  hasReasoningKey,
  isPlainContentEvent,
  isUsageOnly,
  OPENAI_FINISH_REASONS,
  outputAfterText,
  readUsage,
  startsWithError,
  withStopFinish,
} from './scan.ts';
import { streamErrorEvent } from './stream-error.ts';

export interface OpenAiStreamOptions {
  engine: string;
  /** The engine ends its streams with `data: [DONE]`; without it a closed body is a truncation. */
  terminator: boolean;
}

/**
 * Decoder for engines whose stream is already OpenAI chunks: each `data:` payload is passed on as a
 * `chunk` event with the few facts the relay needs, found by a light scan instead of a full parse.
 */
export function openAiStreamDecoder(options: OpenAiStreamOptions): StreamDecoder {
  return framedDecoder({
    framing: 'sse',
    onMessage: openAiChunkHandler(options.engine),
    endOfBody: openAiEndOfBody(options),
    plainEvent: isPlainContentEvent,
  });
}

export function openAiEndOfBody(options: OpenAiStreamOptions): EndOfBody {
  return options.terminator
    ? { truncated: `${options.engine}: the stream ended without [DONE]` }
    : { close: pushEnd };
}

/** One OpenAI `data:` payload as a `chunk` event; `[DONE]` ends the stream, an error payload fails it. */
export function openAiChunkHandler(engine: string): MessageHandler {
  return (data, out) => {
    if (data === '[DONE]') return pushEnd(out);
    if (startsWithError(data)) return pushError(out, streamErrorEvent(engine, data));
    const withUsage = carriesUsage(data);
    if (withUsage && isUsageOnly(data)) {
      let parsed: { usage?: unknown } | null;
      try {
        parsed = JSON.parse(data) as { usage?: unknown } | null;
      } catch {
        return pushError(out, malformedStream(engine, data));
      }
      const usage = readUsage(parsed?.usage);
      // Counts that are not token counts are dropped with their chunk: the gateway estimates instead.
      if (usage === undefined) return;
      // The client reads the checked figures in OpenAI's shape, not the engine's own usage keys.
      (parsed as { usage: Usage }).usage = usage;
      // OpenAI's usage chunk has an empty `choices`; clients iterate it, and null or absent throws.
      const chunk = parsed as { choices?: unknown };
      if (!Array.isArray(chunk.choices)) chunk.choices = [];
      out.push({ kind: 'chunk', json: JSON.stringify(parsed), hasOutput: false, usage });
      return;
    }
    if (!looksLikeObject(data)) return pushError(out, malformedStream(engine, data));
    let json = data;
    let field = firstTextField(data);
    let usage: ReturnType<typeof readUsage>;
    // The plain-content fast path refuses the same chunks, so both paths rename alike.
    if (withUsage || hasReasoningKey(data)) {
      const rewritten = rewriteChunk(data);
      if (rewritten === undefined) return pushError(out, malformedStream(engine, data));
      json = rewritten.json;
      if (json !== data) field = firstTextField(json);
      // Counts that are not token counts are dropped: the gateway estimates instead.
      usage = readUsage(rewritten.usage);
    }
    const finish = finishReason(json);
    const event: StreamEvent = { kind: 'chunk', json, hasOutput: outputAfterText(json, field) };
    if (finish !== undefined) {
      if (FAILED_FINISH_REASONS.has(finish)) {
        return pushError(
          out,
          new EcoError(502, 'origin_error', `${engine}: generation ended with '${finish}'`),
        );
      }
      if (OPENAI_FINISH_REASONS.has(finish)) event.finish = finish as FinishReason;
      else {
        // An engine's own name for a finished answer (e.g. `eos_token`): OpenAI clients know `stop`.
        event.json = withStopFinish(json);
        event.finish = 'stop';
      }
    }
    out.push(event);
    if (usage !== undefined) out.push({ kind: 'usage', usage });
  };
}

/** Integrity check without a parse: a chunk cut short by a broken origin does not end in `}`. */
function looksLikeObject(data: string): boolean {
  let start = 0;
  let end = data.length - 1;
  while (start <= end && data.charCodeAt(start) <= 32) start++;
  while (end >= start && data.charCodeAt(end) <= 32) end--;
  return data.charCodeAt(start) === 123 && data.charCodeAt(end) === 125;
}
