import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { FinishReason } from '../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { readErrorBody } from '../errors.ts';
import { SseParser } from '../streams/sse.ts';

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
 * MII's OpenAI server streams chunks without `object`/`created` and never with usage, so they are
 * decoded to native events and re-encoded by the gateway rather than relayed. `data: [DONE]` ends the
 * stream; a body that closes without it is a truncation.
 */
export function miiOpenAiStream(engine: string): StreamDecoder {
  const sse = new SseParser();
  let ended = false;

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
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return fail(out, malformed(engine, data));
    }
    if (chunk === null || typeof chunk !== 'object') return fail(out, malformed(engine, data));
    if (chunk.object === 'error' || chunk.error !== undefined) {
      return fail(out, new EcoError(502, 'origin_error', `${engine}: ${readErrorBody(data).message}`));
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!choice || typeof choice !== 'object') return fail(out, malformed(engine, data));
    const content = choice.delta?.content;
    if (typeof content === 'string' && content.length > 0) out.push({ kind: 'delta', content });
    else if (choice.delta?.role === 'assistant') out.push({ kind: 'delta', role: 'assistant' });
    const finish = choice.finish_reason;
    if (typeof finish === 'string') {
      if (!FINISH.has(finish)) {
        return fail(out, new EcoError(502, 'origin_error', `${engine}: generation ended with '${finish}'`));
      }
      out.push({ kind: 'finish', reason: finish as FinishReason });
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
        fail(out, new EcoError(502, 'origin_stream_truncated', `${engine}: the stream ended without [DONE]`));
      }
      return out;
    },
  };
}

function malformed(engine: string, data: string): EcoError {
  return new EcoError(
    502,
    'origin_malformed_stream',
    `${engine}: malformed stream event: ${data.slice(0, 120)}`,
  );
}
