import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { openAiChunkHandler, openAiEndOfBody } from '../openai-compatible/stream.ts';
import { framedDecoder, pushError } from '../streams/framed-decoder.ts';

// The light scan reads any lowercase word as a finish reason; these are LMDeploy's failure values.
const FAILED = new Set(['error', 'abort', 'parse_error']);

/**
 * LMDeploy's OpenAI chunks are valid OpenAI JSON (Python spacing, `usage: null` until the usage chunk),
 * so they are relayed; a chunk whose finish reason says the generation failed ends the stream in error.
 */
export function lmdeployOpenAiStream(engine: string): StreamDecoder {
  const relay = openAiChunkHandler(engine);
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      const from = out.length;
      if (relay(data, out) === true) return true;
      const e = out[from];
      if (e?.kind === 'chunk' && e.finish !== undefined && FAILED.has(e.finish)) {
        out.length = from;
        return pushError(
          out,
          new EcoError(502, 'origin_error', `${engine}: generation ended with '${e.finish}'`),
        );
      }
    },
    endOfBody: openAiEndOfBody({ engine, terminator: true }),
  });
}
