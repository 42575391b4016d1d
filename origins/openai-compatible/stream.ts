import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { readErrorBody } from '../errors.ts';
import { SseParser } from '../streams/sse.ts';
import { finishReason, hasOutput, isUsageChunk, readUsage, startsWithError } from './scan.ts';

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
  const sse = new SseParser();
  let ended = false;

  const convert = (data: string, out: StreamEvent[]) => {
    if (ended) return;
    if (data === '[DONE]') {
      ended = true;
      out.push({ kind: 'end' });
      return;
    }
    if (startsWithError(data)) {
      const detail = readErrorBody(data);
      const err = new EcoError(502, 'origin_error', `${options.engine}: ${detail.message}`);
      out.push({ kind: 'error', error: toErrorInfo(err) });
      ended = true;
      return;
    }
    if (isUsageChunk(data)) {
      let usage: ReturnType<typeof readUsage>;
      try {
        usage = readUsage((JSON.parse(data) as { usage?: unknown }).usage);
      } catch {
        usage = undefined;
      }
      if (usage === undefined) {
        out.push({ kind: 'error', error: malformed(options.engine, data) });
        ended = true;
        return;
      }
      out.push({ kind: 'chunk', json: data, hasOutput: false, usage });
      return;
    }
    if (!looksLikeObject(data)) {
      out.push({ kind: 'error', error: malformed(options.engine, data) });
      ended = true;
      return;
    }
    const finish = finishReason(data);
    const event: StreamEvent = { kind: 'chunk', json: data, hasOutput: hasOutput(data) };
    if (finish !== undefined) event.finish = finish;
    out.push(event);
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
        ended = true;
        if (options.terminator) {
          const err = new EcoError(
            502,
            'origin_stream_truncated',
            `${options.engine}: the stream ended without [DONE]`,
          );
          out.push({ kind: 'error', error: toErrorInfo(err) });
        } else {
          out.push({ kind: 'end' });
        }
      }
      return out;
    },
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

function malformed(engine: string, data: string) {
  return toErrorInfo(
    new EcoError(502, 'origin_malformed_stream', `${engine}: malformed stream event: ${data.slice(0, 120)}`),
  );
}
