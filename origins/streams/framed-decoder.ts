import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { NdjsonParser } from './ndjson.ts';
import { SseParser } from './sse.ts';

/**
 * Reads one framed message (an SSE event's data, an NDJSON line) and pushes its events. Returns true
 * once the stream is over — terminal marker seen or error pushed — after which no message is read.
 */
export type MessageHandler = (data: string, out: StreamEvent[]) => boolean | undefined;

/** What the end of the body means when the handler has not ended the stream. */
export type EndOfBody =
  /** The engine's terminal marker never came: the stream was cut short (`origin_stream_truncated`). */
  | { truncated: string }
  /** The engine has no terminal marker: this closes the stream (and may still find it truncated). */
  | { close(out: StreamEvent[]): void };

export interface FramedDecoderSpec {
  framing: 'sse' | 'ndjson';
  onMessage: MessageHandler;
  endOfBody: EndOfBody;
  /** SSE only: recognises a whole event the client gets as it is (see StreamDecoder.plainContent). */
  plainEvent?: (text: string) => boolean;
}

/**
 * The most one frame (an SSE event, an NDJSON line) may hold while it is read: an origin that never
 * ends its frame fails the stream here instead of growing the isolate's memory (128 MB) without bound.
 */
export const MAX_FRAME_CHARS = 16 * 1024 * 1024;

/** The stream error for a frame past MAX_FRAME_CHARS. */
export function frameTooLarge(): EcoError {
  return new EcoError(
    502,
    'origin_response_too_large',
    `The origin sent a stream frame larger than ${MAX_FRAME_CHARS} characters.`,
  );
}

/** The one stream decoder skeleton: framing, per-message handling, and the end-of-body policy. */
export function framedDecoder(spec: FramedDecoderSpec): StreamDecoder {
  const { onMessage, endOfBody } = spec;
  let ended = false;

  const step = (data: string, out: StreamEvent[]) => {
    if (!ended && onMessage(data, out) === true) ended = true;
  };

  /** After a push: a frame still in progress past the limit ends the stream. */
  const bound = (pending: number, out: StreamEvent[]) => {
    if (!ended && pending > MAX_FRAME_CHARS) {
      ended = true;
      pushError(out, frameTooLarge());
    }
    return out;
  };

  const close = (out: StreamEvent[]) => {
    if (ended) return;
    ended = true;
    if ('truncated' in endOfBody) {
      pushError(out, new EcoError(502, 'origin_stream_truncated', endOfBody.truncated));
    } else {
      endOfBody.close(out);
    }
  };

  if (spec.framing === 'ndjson') {
    const ndjson = new NdjsonParser();
    return {
      push(bytes) {
        if (ended) return [];
        const out: StreamEvent[] = [];
        for (const line of ndjson.push(bytes)) step(line, out);
        return bound(ndjson.pending, out);
      },
      end() {
        const out: StreamEvent[] = [];
        for (const line of ndjson.end()) step(line, out);
        close(out);
        return out;
      },
    };
  }

  const sse = new SseParser();
  const plainEvent = spec.plainEvent;
  const plainText = new TextDecoder();
  return {
    ...(plainEvent && {
      plainContent(bytes: Uint8Array) {
        if (ended || !sse.idle) return undefined;
        const text = plainText.decode(bytes);
        return plainEvent(text) ? text : undefined;
      },
    }),
    push(bytes) {
      if (ended) return [];
      const out: StreamEvent[] = [];
      for (const message of sse.push(bytes)) step(message.data, out);
      return bound(sse.pending, out);
    },
    end() {
      const out: StreamEvent[] = [];
      for (const message of sse.end()) step(message.data, out);
      close(out);
      return out;
    },
  };
}

/** Pushes the stream's error event; true, so that a handler can `return pushError(out, err)`. */
export function pushError(out: StreamEvent[], err: EcoError): true {
  out.push({ kind: 'error', error: toErrorInfo(err) });
  return true;
}

/** Pushes the stream's end event; true, so that a handler can `return pushEnd(out)`. */
export function pushEnd(out: StreamEvent[]): true {
  out.push({ kind: 'end' });
  return true;
}

/** A framed message that is not what the engine sends: an SSE `event` or an NDJSON `line`. */
export function malformedStream(engine: string, text: string, unit: 'event' | 'line' = 'event'): EcoError {
  return new EcoError(
    502,
    'origin_malformed_stream',
    `${engine}: malformed stream ${unit}: ${text.slice(0, 120)}`,
  );
}
