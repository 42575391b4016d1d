import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { openAiChunkHandler, openAiEndOfBody } from '../openai-compatible/stream.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { askedStops } from '../templates/stop-trim.ts';
import type { CallContext } from '../types.ts';
import { finishFor } from './completions-finish.ts';
import { isStoppingToken } from './openai-stream.ts';

/**
 * MII's `/v1/completions` stream: OpenAI completion chunks except that they lack `created`, which
 * OpenAI's always carry (typed clients require it). Relayed as the other OpenAI-style engines' are,
 * with the call's `created` written into each chunk that has none. Every chunk passes through here:
 * the plain-content fast path, which relays a chunk untouched, is left out.
 *
 * As on its chat stream, the token that stopped the generation is streamed before the finish chunk
 * (openai-stream.ts): each text chunk waits for the next, and is dropped when that one says `stop` and
 * the held text is the stopping token.
 *
 * MII writes its finish `none` as null, so a stream may reach `[DONE]` with a choice that never said why
 * it ended: a last chunk with an empty text and a derived finish reason goes first (completions-finish.ts,
 * one chunk per token).
 */
export function miiCompletionsStream(engine: string, ctx: CallContext): StreamDecoder {
  const handle = openAiChunkHandler(engine);
  const field = `"created":${ctx.created}`;
  const seen = seenChoices();
  let held: StreamEvent | undefined;
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      if (data === '[DONE]') {
        if (held) out.push(held);
        held = undefined;
        const last = seen.unfinished(ctx);
        if (last) out.push(last);
        return pushEnd(out);
      }
      if (!seen.note(data)) return pushError(out, malformedStream(engine, data));
      const events: StreamEvent[] = [];
      const ended = handle(withCreated(data, field), events);
      for (const event of events) {
        if (event.kind === 'chunk' && event.hasOutput && event.finish === undefined) {
          if (held) out.push(held);
          held = event;
          continue;
        }
        if (
          held?.kind === 'chunk' &&
          event.kind === 'chunk' &&
          event.finish === 'stop' &&
          isStoppingToken(chunkText(held.json), askedStops(ctx))
        ) {
          held = undefined;
        }
        if (held) out.push(held);
        held = undefined;
        out.push(event);
      }
      return ended;
    },
    endOfBody: openAiEndOfBody({ engine, terminator: true }),
  });
}

/** The first choice's text of a completion chunk ('' when it cannot be read). */
function chunkText(json: string): string {
  try {
    const text = (JSON.parse(json) as { choices?: { text?: unknown }[] })?.choices?.[0]?.text;
    return typeof text === 'string' ? text : '';
  } catch {
    return '';
  }
}

/** `data` with `field` first in its object when it has no `created` (anything else is left as it is). */
function withCreated(data: string, field: string): string {
  if (data.includes('"created"')) return data;
  const open = data.indexOf('{');
  if (open < 0) return data;
  const rest = data.slice(open + 1);
  return `${data.slice(0, open + 1)}${field}${rest.trimStart().startsWith('}') ? '' : ','}${rest}`;
}

interface ChoiceState {
  steps: number;
  finished: boolean;
}

/** What the stream said of each choice so far: tokens sent, and whether a finish reason came. */
function seenChoices() {
  const choices = new Map<number, ChoiceState>();
  let id: string | undefined;
  return {
    /** False when `data` is not a JSON object. */
    note(data: string): boolean {
      let chunk: { id?: unknown; choices?: unknown } | null;
      try {
        chunk = JSON.parse(data) as typeof chunk;
      } catch {
        return false;
      }
      if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) return false;
      if (typeof chunk.id === 'string') id ??= chunk.id;
      if (!Array.isArray(chunk.choices)) return true;
      for (const c of chunk.choices as { index?: unknown; text?: unknown; finish_reason?: unknown }[]) {
        if (c === null || typeof c !== 'object') continue;
        const index = typeof c.index === 'number' && Number.isSafeInteger(c.index) ? c.index : 0;
        const state = choices.get(index) ?? { steps: 0, finished: false };
        choices.set(index, state);
        if (typeof c.text === 'string' && c.text.length > 0) state.steps++;
        if (typeof c.finish_reason === 'string') state.finished = true;
      }
      return true;
    },
    /** The chunk that ends the choices no finish reason ended (choice 0 when none came at all). */
    unfinished(ctx: CallContext): StreamEvent | undefined {
      if (choices.size === 0) choices.set(0, { steps: 0, finished: false });
      const open = [...choices].filter(([, s]) => !s.finished);
      if (open.length === 0) return undefined;
      const ends = open.map(([index, s]) => ({ index, reason: finishFor(s.steps, ctx) }));
      const json = JSON.stringify({
        id: id ?? `cmpl-${ctx.requestId}`,
        object: 'text_completion',
        created: ctx.created,
        model: ctx.engineModel,
        choices: ends.map((e) => ({ index: e.index, text: '', logprobs: null, finish_reason: e.reason })),
      });
      return { kind: 'chunk', json, hasOutput: true, finish: ends[0]!.reason };
    },
  };
}
