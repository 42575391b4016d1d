import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { mapOriginError } from '../errors.ts';
import { readUsage, startsWithError } from '../openai-compatible/scan.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { derivedFinish, promptCall } from '../templates/prompt-call.ts';
import { stopHoldback } from '../templates/stop-trim.ts';
import { toolCallDeltas } from '../tool-call-deltas.ts';
import type { CallContext } from '../types.ts';
import { tgiFinish, tgiStreamError } from './errors.ts';
import { tgiLogprobItems } from './logprobs.ts';

interface Chunk {
  choices?: {
    delta?: { content?: unknown; tool_calls?: unknown };
    logprobs?: { content?: unknown } | null;
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
export function tgiMessagesStreamDecoder(engine: string, ctx: CallContext): StreamDecoder {
  let toolCalls = false;
  // TGI repeats the whole call (its id, type and a null name) on every fragment.
  const fragments = toolCallDeltas();
  let finished = false;
  let completionTokens: number | undefined;
  // Text is held back by the longest stop, to cut a matched one as on `/generate` (stop-trim.ts).
  const held = stopHoldback(ctx);
  // Log-probabilities wait for the text of their token to leave (it may be held back), and those of a
  // stop that is cut go with it: each is placed at its token's first character in the answer.
  let scoredAt: { item: unknown; at: number }[] = [];
  let seen = 0;
  let sent = 0;
  const leaving = (text: string): unknown[] | undefined => {
    sent += text.length;
    const due = scoredAt.filter((s) => s.at < sent);
    if (due.length === 0) return undefined;
    scoredAt = scoredAt.filter((s) => s.at >= sent);
    return due.map((s) => s.item);
  };
  /** At the answer's end: the held-back text leaves (cut if a stop matched), with its log-probabilities. */
  const release = (out: StreamEvent[], stopMatched: boolean) => {
    const rest = held.finish(stopMatched);
    const last = leaving(rest);
    if (rest.length > 0) out.push({ kind: 'delta', content: rest, ...(last ? { logprobs: last } : {}) });
    scoredAt = [];
  };
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      if (data === '[DONE]') {
        // TGI's router may end a stream with no chunk that carries a finish reason (after a `no_tool`
        // answer to a request with tools, or a tool call's last tokens): what is held back still goes,
        // and the reason is derived, as for engines that never report one.
        if (!finished) {
          release(out, false);
          const reason = toolCalls
            ? 'tool_calls'
            : derivedFinish(completionTokens ?? 0, requestedBudget(ctx));
          out.push({ kind: 'finish', reason });
        }
        return pushEnd(out);
      }
      let chunk: Chunk & { error?: unknown; error_type?: unknown };
      try {
        chunk = JSON.parse(data) as typeof chunk;
      } catch {
        return pushError(out, malformedStream(engine, data));
      }
      // Origin JSON is untrusted: anything but an object with the chunk's shapes is a malformed event.
      if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk))
        return pushError(out, malformedStream(engine, data));
      if (startsWithError(data) || chunk.error !== undefined)
        return pushError(out, streamError(engine, data, chunk));
      if (chunk.choices !== undefined && !Array.isArray(chunk.choices))
        return pushError(out, malformedStream(engine, data));
      const choice = chunk.choices?.[0];
      if (choice != null) {
        if (typeof choice !== 'object') return pushError(out, malformedStream(engine, data));
        const delta = choice.delta;
        if (delta != null && typeof delta !== 'object') return pushError(out, malformedStream(engine, data));
        const content = delta?.content;
        const calls = delta?.tool_calls;
        const event: Extract<StreamEvent, { kind: 'delta' }> = { kind: 'delta' };
        const scored = choice.logprobs?.content;
        if (Array.isArray(scored)) {
          const items = tgiLogprobItems(scored);
          if (!items) return pushError(out, malformedStream(engine, data));
          let at = seen;
          for (const item of items) {
            scoredAt.push({ item, at });
            at += item.token.length;
          }
        }
        if (typeof content === 'string') seen += content.length;
        if (typeof content === 'string' && content.length > 0) {
          const ready = held.push(content);
          if (ready.length > 0) event.content = ready;
        }
        if (calls != null) {
          if (typeof calls !== 'object') return pushError(out, malformedStream(engine, data));
          // TGI sends a single tool call object where OpenAI sends a list.
          const rewritten = fragments(Array.isArray(calls) ? calls : [{ index: 0, ...calls }]);
          if (!rewritten) return pushError(out, malformedStream(engine, data));
          if (rewritten.length > 0) event.toolCalls = rewritten;
          toolCalls = true;
          // Text before a tool call is not the end of the answer: none of it is a stop.
          const text = (event.content ?? '') + held.finish(false);
          if (text.length > 0) event.content = text;
        }
        const due = event.content === undefined ? undefined : leaving(event.content);
        if (due) event.logprobs = due;
        if (event.content !== undefined || event.toolCalls !== undefined) out.push(event);
        if (choice.finish_reason != null) {
          release(out, choice.finish_reason === 'stop_sequence');
          const finish =
            choice.finish_reason === 'tool_calls' || (toolCalls && choice.finish_reason !== 'length')
              ? 'tool_calls'
              : tgiFinish(choice.finish_reason);
          if (!finish) return pushError(out, malformedStream(engine, data));
          finished = true;
          out.push({ kind: 'finish', reason: finish });
        }
      }
      const usage = readUsage(chunk.usage);
      if (usage) {
        completionTokens = usage.completion_tokens;
        out.push({ kind: 'usage', usage });
      }
    },
    endOfBody: { truncated: `${engine}: the stream ended without [DONE]` },
  });
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

/** The client's completion budget, recorded when the request was built (messages-request.ts). */
function requestedBudget(ctx: CallContext): number | undefined {
  return promptCall(ctx)?.maxTokens;
}
