import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { NdjsonParser } from '../streams/ndjson.ts';
import { reportedUsage } from '../templates/prompt-call.ts';
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
  const ndjson = new NdjsonParser();
  let ended = false;

  const fail = (out: StreamEvent[], err: EcoError) => {
    ended = true;
    out.push({ kind: 'error', error: toErrorInfo(err) });
  };

  const convert = (line: string, out: StreamEvent[]) => {
    if (ended) return;
    let parsed: InteractiveLine;
    try {
      parsed = JSON.parse(line) as InteractiveLine;
    } catch {
      return fail(out, malformed(line));
    }
    if (parsed === null || typeof parsed !== 'object' || typeof parsed.text !== 'string') {
      return fail(out, malformed(line));
    }
    if (parsed.text.length > 0) out.push({ kind: 'delta', content: parsed.text });
    const finish = lmdeployFinish(ENGINE, parsed.finish_reason);
    if (finish instanceof EcoError) return fail(out, finish);
    if (!finish) return;
    ended = true;
    out.push({ kind: 'finish', reason: finish });
    const prompt = Number(parsed.input_tokens);
    const completion = Number(parsed.tokens);
    if (Number.isFinite(prompt) && Number.isFinite(completion)) {
      out.push({ kind: 'usage', usage: reportedUsage(prompt, completion) });
    }
    out.push({ kind: 'end' });
  };

  return {
    push(bytes) {
      const out: StreamEvent[] = [];
      for (const line of ndjson.push(bytes)) convert(line, out);
      return out;
    },
    end() {
      const out: StreamEvent[] = [];
      for (const line of ndjson.end()) convert(line, out);
      if (!ended) {
        fail(
          out,
          new EcoError(502, 'origin_stream_truncated', `${ENGINE}: the stream ended without a finish reason`),
        );
      }
      return out;
    },
  };
}

function malformed(line: string): EcoError {
  return new EcoError(
    502,
    'origin_malformed_stream',
    `${ENGINE}: malformed stream line: ${line.slice(0, 120)}`,
  );
}
