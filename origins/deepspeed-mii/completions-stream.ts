import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { openAiChunkHandler, openAiEndOfBody } from '../openai-compatible/stream.ts';
import { framedDecoder } from '../streams/framed-decoder.ts';
import { askedStops } from '../templates/stop-trim.ts';
import type { CallContext } from '../types.ts';
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
 */
export function miiCompletionsStream(engine: string, ctx: CallContext): StreamDecoder {
  const handle = openAiChunkHandler(engine);
  const field = `"created":${ctx.created}`;
  let held: StreamEvent | undefined;
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
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
