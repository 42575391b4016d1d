import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { framedDecoder, malformedStream, pushEnd, pushError } from '../streams/framed-decoder.ts';
import { reportedUsage } from '../templates/prompt-call.ts';
import { tokenCount } from '../token-count.ts';
import { lmdeployFinish } from './finish.ts';

const ENGINE = 'LMDeploy (/v1/chat/interactive)';

interface InteractiveLine {
  text?: unknown;
  tokens?: unknown;
  input_tokens?: unknown;
  finish_reason?: unknown;
}

/**
 * LMDeploy's legacy `/v1/chat/interactive` stream (removed in v0.10.0): NDJSON lines despite its
 * `text/event-stream` content type, `text` a delta, `tokens` the completion count so far, and a
 * non-null `finish_reason` on the last line, which is the stream's terminal marker.
 */
export function lmdeployInteractiveStream(): StreamDecoder {
  return framedDecoder({
    framing: 'ndjson',
    onMessage: (line, out) => {
      let parsed: InteractiveLine;
      try {
        parsed = JSON.parse(line) as InteractiveLine;
      } catch {
        return pushError(out, malformedStream(ENGINE, line, 'line'));
      }
      if (parsed === null || typeof parsed !== 'object' || typeof parsed.text !== 'string') {
        return pushError(out, malformedStream(ENGINE, line, 'line'));
      }
      if (parsed.text.length > 0) out.push({ kind: 'delta', content: parsed.text });
      const finish = lmdeployFinish(ENGINE, parsed.finish_reason);
      if (finish instanceof EcoError) return pushError(out, finish);
      if (!finish) return;
      out.push({ kind: 'finish', reason: finish });
      const prompt = tokenCount(parsed.input_tokens);
      const completion = tokenCount(parsed.tokens);
      if (prompt !== undefined && completion !== undefined) {
        out.push({ kind: 'usage', usage: reportedUsage(prompt, completion) });
      }
      return pushEnd(out);
    },
    endOfBody: { truncated: `${ENGINE}: the stream ended without a finish reason` },
  });
}
