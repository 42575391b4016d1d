import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
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
  let toolCalls = 0;

  return framedDecoder({
    framing: 'ndjson',
    onMessage: (text, out) => {
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        return pushError(out, malformedStream(OLLAMA, text, 'line'));
      }
      if (line === null || typeof line !== 'object')
        return pushError(out, malformedStream(OLLAMA, text, 'line'));
      if (line.error !== undefined) {
        return pushError(
          out,
          new EcoError(502, 'origin_error', `${OLLAMA}: ${errorText(line.error).slice(0, 500)}`),
        );
      }
      const source = endpoint === 'chat' ? line.message : line;
      const content = endpoint === 'chat' ? line.message?.content : line.response;
      const event: Extract<StreamEvent, { kind: 'delta' }> = { kind: 'delta' };
      if (typeof content === 'string' && content.length > 0) event.content = content;
      if (typeof source?.thinking === 'string' && source.thinking.length > 0)
        event.reasoning = source.thinking;
      const calls = line.message?.tool_calls;
      const converted = openAiToolCalls(calls, ctx, toolCalls, true);
      if (converted.length > 0) {
        event.toolCalls = converted;
        toolCalls += converted.length;
      }
      if (event.content !== undefined || event.reasoning !== undefined || event.toolCalls !== undefined) {
        out.push(event);
      }
      if (line.done !== true) return;
      try {
        out.push({ kind: 'finish', reason: ollamaFinish(line, ctx, toolCalls > 0) });
      } catch (err) {
        return pushError(out, err as EcoError);
      }
      const usage = ollamaUsage(line, ctx);
      if (usage) out.push({ kind: 'usage', usage });
      return pushEnd(out);
    },
    endOfBody: { truncated: `${OLLAMA}: the stream ended before "done": true` },
  });
}

/** The error line's value as text: Ollama writes a string, but an object must not read "[object Object]". */
function errorText(value: unknown): string {
  if (typeof value === 'string') return value;
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(value);
}
