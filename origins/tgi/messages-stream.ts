import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { mapOriginError } from '../errors.ts';
import { readUsage, startsWithError } from '../openai-compatible/scan.ts';
import { SseParser } from '../streams/sse.ts';
import { tgiFinish, tgiStreamError } from './errors.ts';
import { malformed } from './generate-stream.ts';

interface Chunk {
  choices?: {
    delta?: { content?: unknown; tool_calls?: unknown };
    finish_reason?: unknown;
  }[];
  usage?: unknown;
}

const VALIDATION = /validation|context length|too long|must be|tokens/i;

/**
 * TGI's Messages API stream. Its chunks are close to OpenAI's but not the same (`id` is empty, every
 * delta repeats the role, `stop_sequence`/`eos_token` finish reasons, tool calls as an object), so
 * they are decoded and re-encoded rather than relayed. Ends with `data: [DONE]`; errors come as
 * `{"error":{"message","http_status_code":422}}` (≥2.4.1) or `{"error","error_type"}` (older).
 */
export function tgiMessagesStreamDecoder(engine: string): StreamDecoder {
  const sse = new SseParser();
  let ended = false;
  let toolCalls = false;

  const fail = (out: StreamEvent[], err: EcoError) => {
    ended = true;
    out.push({ kind: 'error', error: toErrorInfo(err) });
  };

  const convert = (data: string, out: StreamEvent[]) => {
    if (ended) return;
    if (data === '[DONE]') {
      ended = true;
      out.push({ kind: 'end' });
      return;
    }
    let chunk: Chunk & { error?: unknown; error_type?: unknown };
    try {
      chunk = JSON.parse(data) as typeof chunk;
    } catch {
      return fail(out, malformed(engine, data));
    }
    if (startsWithError(data) || chunk.error !== undefined)
      return fail(out, streamError(engine, data, chunk));
    const choice = chunk.choices?.[0];
    if (choice) {
      const delta = choice.delta;
      const content = delta?.content;
      const calls = delta?.tool_calls;
      const event: Extract<StreamEvent, { kind: 'delta' }> = { kind: 'delta' };
      if (typeof content === 'string' && content.length > 0) event.content = content;
      if (calls != null) {
        // TGI sends a single tool call object where OpenAI sends a list.
        event.toolCalls = Array.isArray(calls) ? calls : [{ index: 0, ...(calls as object) }];
        toolCalls = true;
      }
      if (event.content !== undefined || event.toolCalls !== undefined) out.push(event);
      if (choice.finish_reason != null) {
        const finish =
          choice.finish_reason === 'tool_calls' || (toolCalls && choice.finish_reason !== 'length')
            ? 'tool_calls'
            : tgiFinish(choice.finish_reason);
        if (!finish) return fail(out, malformed(engine, data));
        out.push({ kind: 'finish', reason: finish });
      }
    }
    const usage = readUsage(chunk.usage);
    if (usage) out.push({ kind: 'usage', usage });
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
        fail(out, new EcoError(502, 'origin_stream_truncated', `${engine}: the stream ended without [DONE]`));
      }
      return out;
    },
  };
}

function streamError(
  engine: string,
  data: string,
  chunk: { error?: unknown; error_type?: unknown },
): EcoError {
  const error = chunk.error;
  if (typeof error === 'string') return tgiStreamError(engine, data, chunk.error_type);
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  // `http_status_code` is always 422, whatever went wrong: only real validation failures stay 4xx.
  if (VALIDATION.test(message) && !/failed during generation/i.test(message)) {
    return mapOriginError(engine, 422, JSON.stringify({ error: message }), new Headers());
  }
  return new EcoError(502, 'origin_error', `${engine}: ${message.slice(0, 500) || 'stream error'}`);
}
