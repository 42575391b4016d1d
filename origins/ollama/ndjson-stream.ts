import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { NdjsonParser } from '../streams/ndjson.ts';
import type { CallContext } from '../types.ts';
import { type OllamaFinal, ollamaFinish, ollamaUsage, openAiToolCalls } from './answer.ts';
import { OLLAMA } from './request.ts';

interface Line extends OllamaFinal {
  message?: { content?: unknown; thinking?: unknown; tool_calls?: unknown };
  response?: unknown;
  thinking?: unknown;
  error?: unknown;
}

/**
 * Ollama's native NDJSON stream (`/api/chat`: text in `message.content`; `/api/generate`: in
 * `response`). The object with `"done": true` is the terminal marker and carries the finish reason and
 * the token counts; it may carry the last text too. A body that ends before it was cut short. An
 * `{"error":…}` line is a failure reported after the 200.
 */
export function ollamaStreamDecoder(ctx: CallContext, endpoint: 'chat' | 'generate'): StreamDecoder {
  const ndjson = new NdjsonParser();
  let ended = false;
  let toolCalls = 0;

  const fail = (out: StreamEvent[], err: EcoError) => {
    ended = true;
    out.push({ kind: 'error', error: toErrorInfo(err) });
  };

  const convert = (text: string, out: StreamEvent[]) => {
    if (ended) return;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      return fail(out, malformed(text));
    }
    if (line === null || typeof line !== 'object') return fail(out, malformed(text));
    if (line.error !== undefined) {
      return fail(out, new EcoError(502, 'origin_error', `${OLLAMA}: ${String(line.error).slice(0, 500)}`));
    }
    const source = endpoint === 'chat' ? line.message : line;
    const content = endpoint === 'chat' ? line.message?.content : line.response;
    const event: Extract<StreamEvent, { kind: 'delta' }> = { kind: 'delta' };
    if (typeof content === 'string' && content.length > 0) event.content = content;
    if (typeof source?.thinking === 'string' && source.thinking.length > 0) event.reasoning = source.thinking;
    const calls = line.message?.tool_calls;
    if (Array.isArray(calls) && calls.length > 0) {
      event.toolCalls = openAiToolCalls(calls, ctx, toolCalls, true);
      toolCalls += calls.length;
    }
    if (event.content !== undefined || event.reasoning !== undefined || event.toolCalls !== undefined) {
      out.push(event);
    }
    if (line.done !== true) return;
    try {
      out.push({ kind: 'finish', reason: ollamaFinish(line, ctx, toolCalls > 0) });
    } catch (err) {
      return fail(out, err as EcoError);
    }
    const usage = ollamaUsage(line, ctx);
    if (usage) out.push({ kind: 'usage', usage });
    ended = true;
    out.push({ kind: 'end' });
  };

  return {
    push(bytes) {
      const out: StreamEvent[] = [];
      for (const line of ndjson.push(bytes)) convert(line, out);
      return out;
    },
    end() {
      const out: StreamEvent[] = [];
      for (const line of ndjson.end()) convert(line, out);
      if (!ended) {
        fail(
          out,
          new EcoError(502, 'origin_stream_truncated', `${OLLAMA}: the stream ended before "done": true`),
        );
      }
      return out;
    },
  };
}

function malformed(text: string): EcoError {
  return new EcoError(
    502,
    'origin_malformed_stream',
    `${OLLAMA}: malformed stream line: ${text.slice(0, 120)}`,
  );
}
