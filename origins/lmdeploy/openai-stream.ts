import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { openAiStreamDecoder } from '../openai-compatible/stream.ts';

// The light scan reads any lowercase word as a finish reason; these are LMDeploy's failure values.
const FAILED = new Set(['error', 'abort', 'parse_error']);

/**
 * LMDeploy's OpenAI chunks are valid OpenAI JSON (Python spacing, `usage: null` until the usage chunk),
 * so they are relayed; a chunk whose finish reason says the generation failed ends the stream in error.
 */
export function lmdeployOpenAiStream(engine: string): StreamDecoder {
  const inner = openAiStreamDecoder({ engine, terminator: true });
  let failed = false;
  const check = (events: ReturnType<StreamDecoder['push']>) => {
    if (failed) return [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind === 'chunk' && e.finish !== undefined && FAILED.has(e.finish)) {
        failed = true;
        const err = new EcoError(502, 'origin_error', `${engine}: generation ended with '${e.finish}'`);
        return [...events.slice(0, i), { kind: 'error' as const, error: toErrorInfo(err) }];
      }
    }
    return events;
  };
  return {
    push: (bytes) => check(inner.push(bytes)),
    end: () => check(inner.end()),
  };
}
