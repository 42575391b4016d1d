import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import type { CallContext, Exchange } from '../types.ts';

/**
 * One `id` and `created` for a whole relayed stream, as OpenAI sends. Some engines build every chunk
 * afresh: trtllm-serve gives each a new id and timestamp, SGLang stamps each with the current second
 * (and its completions carry one id per choice). The first chunk's pair is kept and written into any
 * later chunk that differs; a chunk that already carries it is passed on untouched, after a look at
 * the first few dozen characters.
 */
export class StreamIdentity {
  readonly #id = new KeptField('"id":', /"id":\s*("(?:[^"\\]|\\.)*")/y);
  readonly #created = new KeptField('"created":', /"created":\s*(\d+)/y);

  /** The chunk's JSON (or a whole SSE event's text) with the stream's pair in place. */
  apply(text: string): string {
    return this.#created.apply(this.#id.apply(text));
  }
}

/** One top-level field of the chunk, as the first chunk that had it wrote it. */
class KeptField {
  readonly #key: string;
  readonly #pattern: RegExp;
  #kept: string | undefined;
  /** The last differing text found and rewritten: an engine repeats it (SGLang, within one second). */
  #seen: string | undefined;

  constructor(key: string, pattern: RegExp) {
    this.#key = key;
    this.#pattern = pattern;
  }

  apply(text: string): string {
    const at = text.indexOf(this.#key);
    if (at === -1) return text;
    const kept = this.#kept;
    // The usual case, checked first: the chunk already carries it.
    if (kept !== undefined && fieldAt(text, kept, at)) return text;
    // Only the chunk's own key, which engines write before `choices` (a tool call has an `id` too).
    if (text.lastIndexOf('"choices"', at) !== -1) return text;
    let field = this.#seen;
    if (field === undefined || !fieldAt(text, field, at)) {
      this.#pattern.lastIndex = at;
      const match = this.#pattern.exec(text);
      if (!match) return text;
      field = match[0];
      // Kept in compact form: a pair read from multi-line data must not break a one-line event.
      this.#kept ??= this.#key + match[1];
      if (field === this.#kept) return text;
      this.#seen = field;
    }
    return text.slice(0, at) + this.#kept + text.slice(at + field.length);
  }
}

/** `field` is the whole field at `at` (a number not cut short: `"created":17` is not `"created":175…`). */
function fieldAt(text: string, field: string, at: number): boolean {
  // indexOf, not startsWith: V8 runs it about twice as fast; a miss scans on, but that event is rewritten anyway.
  return text.indexOf(field, at) === at && !isDigit(text.charCodeAt(at + field.length));
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The decoder with every relayed chunk, plain content events included, given the stream's one pair. */
export function withStableIds(inner: StreamDecoder): StreamDecoder {
  const identity = new StreamIdentity();
  const fix = (events: StreamEvent[]): StreamEvent[] => {
    for (const e of events) if (e.kind === 'chunk') e.json = identity.apply(e.json);
    return events;
  };
  const plain = inner.plainContent?.bind(inner);
  return {
    push: (bytes) => fix(inner.push(bytes)),
    end: () => fix(inner.end()),
    ...(plain && {
      plainContent(bytes: Uint8Array) {
        const text = plain(bytes);
        return text === undefined ? undefined : identity.apply(text);
      },
    }),
  };
}

/** An OpenAI-style exchange whose stream gets one `id`/`created` pair (see StreamIdentity). */
export function withStableStreamIds<Req, Res>(exchange: Exchange<Req, Res>): Exchange<Req, Res> {
  const stream = exchange.stream?.bind(exchange);
  if (!stream) return exchange;
  return { ...exchange, stream: (ctx: CallContext) => withStableIds(stream(ctx)) };
}
