import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import type { CallContext } from '../types.ts';
import { type OllamaFinal, ollamaFinish, ollamaUsage, openAiToolCalls } from './answer.ts';
import { inputTooLong } from './input-too-long.ts';
import { askedLogprobs, logprobItems, missingLogprobs } from './logprobs.ts';
import { OLLAMA } from './request.ts';

interface Line extends OllamaFinal {
  message?: { content?: unknown; thinking?: unknown; tool_calls?: unknown };
  response?: unknown;
  thinking?: unknown;
  error?: unknown;
  logprobs?: unknown;
}

/**
 * Ollama's native NDJSON stream (`/api/chat`: text in `message.content`; `/api/generate`: in
 * `response`). The object with `"done": true` is the terminal marker and carries the finish reason and
 * the token counts; it may carry the last text too. A body that ends before it was cut short. An
 * `{"error":…}` line is a failure reported after the 200.
 */
export function ollamaStreamDecoder(ctx: CallContext, endpoint: 'chat' | 'generate'): StreamDecoder {
  let toolCalls = 0;
  const logprobs = endpoint === 'chat' && askedLogprobs(ctx) ? lineLogprobs() : undefined;

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
        const message = errorText(line.error).slice(0, 500);
        return pushError(
          out,
          inputTooLong(message) ?? new EcoError(502, 'origin_error', `${OLLAMA}: ${message}`),
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
      const output =
        event.content !== undefined || event.reasoning !== undefined || event.toolCalls !== undefined;
      if (logprobs) {
        try {
          const items = logprobs(line, output);
          if (items) event.logprobs = items;
        } catch (err) {
          const error = err as EcoError;
          // A release without them is an origin fault of its own; a bad entry is a malformed line.
          return pushError(
            out,
            error.code === 'origin_error' ? error : malformedStream(OLLAMA, text, 'line'),
          );
        }
      }
      if (output || event.logprobs) out.push(event);
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

/**
 * Per line, the log-probabilities of the tokens it carries (Ollama writes them on every streamed
 * chunk). A release that does not return them is caught at its first output, before the client has
 * seen any. Text a model's parser held back may come later on a line without a list (its tokens'
 * figures went out on the lines that generated them), so only output before any list fails.
 */
function lineLogprobs() {
  let seen = false;
  return (line: Line, output: boolean): unknown[] | undefined => {
    if (Array.isArray(line.logprobs)) {
      seen = true;
      return line.logprobs.length > 0 ? logprobItems(line.logprobs) : undefined;
    }
    if (output && !seen) throw missingLogprobs();
    return undefined;
  };
}
