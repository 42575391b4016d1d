import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { openAiChunkHandler, openAiEndOfBody } from '../openai-compatible/stream.ts';
import { framedDecoder } from '../streams/framed-decoder.ts';
import type { CallContext } from '../types.ts';

/**
 * MII's `/v1/completions` stream: OpenAI completion chunks except that they lack `created`, which
 * OpenAI's always carry (typed clients require it). Relayed as the other OpenAI-style engines' are,
 * with the call's `created` written into each chunk that has none. Every chunk passes through here:
 * the plain-content fast path, which relays a chunk untouched, is left out.
 */
export function miiCompletionsStream(engine: string, ctx: CallContext): StreamDecoder {
  const handle = openAiChunkHandler(engine);
  const field = `"created":${ctx.created}`;
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => handle(withCreated(data, field), out),
    endOfBody: openAiEndOfBody({ engine, terminator: true }),
  });
}

/** `data` with `field` first in its object when it has no `created` (anything else is left as it is). */
function withCreated(data: string, field: string): string {
  if (data.includes('"created"')) return data;
  const open = data.indexOf('{');
  if (open < 0) return data;
  const rest = data.slice(open + 1);
  return `${data.slice(0, open + 1)}${field}${rest.trimStart().startsWith('}') ? '' : ','}${rest}`;
}
