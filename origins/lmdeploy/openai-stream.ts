import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { openAiChunkHandler, openAiEndOfBody } from '../openai-compatible/stream.ts';
import { framedDecoder, malformedStream, pushError } from '../streams/framed-decoder.ts';
import { lmdeployChunks } from './openai-chunks.ts';

// The light scan reads any lowercase word as a finish reason; these are LMDeploy's failure values.
const FAILED = new Set(['error', 'abort', 'parse_error']);

/**
 * LMDeploy's OpenAI chunks are valid OpenAI JSON (Python spacing, `usage: null` until the usage chunk),
 * so they are relayed once their repeated role and tool-call identity are taken off (openai-chunks.ts);
 * a chunk whose finish reason says the generation failed ends the stream in error.
 */
export function lmdeployOpenAiStream(engine: string): StreamDecoder {
  const relay = openAiChunkHandler(engine);
  const rewrite = lmdeployChunks();
  return framedDecoder({
    framing: 'sse',
    onMessage: (data, out) => {
      const chunk = rewrite(data);
      if (chunk === undefined) return pushError(out, malformedStream(engine, data));
      const from = out.length;
      if (relay(chunk, out) === true) return true;
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
