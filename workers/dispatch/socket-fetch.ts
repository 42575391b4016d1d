import { connect } from 'cloudflare:sockets';
import { type BodyDecoder, bodyDecoder } from '../../origins/http1/body.ts';
import { joinBytes } from '../../origins/http1/join-bytes.ts';
import { requestHead } from '../../origins/http1/request-head.ts';
import {
  type BodyFraming,
  bodyFraming,
  Http1Error,
  parseResponseHead,
  type ResponseHead,
} from '../../origins/http1/response-head.ts';
import type { OriginBody, OriginBodyReader, OriginResponse } from './origin-response.ts';

export interface SocketFetchInit {
  method: string;
  /** Names in lower case (see requestHead). */
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

const encoder = new TextEncoder();

/**
 * One HTTP/1.1 exchange over a TCP connection of its own (`connect()`), answered as an `OriginResponse`.
 *
 * Why: reading a fetch() body yields one HTTP chunk per read, and each read is a trip through the
 * runtime that costs far more than the chunk's bytes. A socket read returns everything that has
 * arrived, so when tokens come faster than they are relayed they are read together, and when they come
 * one by one each is still read the moment it lands. The price is a connection per exchange and no
 * access to hosts behind Cloudflare's proxy, hence a per-pool choice for streamed calls.
 *
 * Aborting `signal` closes the connection, before or after the response head.
 */
export async function socketFetch(target: string, init: SocketFetchInit): Promise<OriginResponse> {
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`unsupported origin scheme ${url.protocol}`);
  init.signal.throwIfAborted();
  const tls = url.protocol === 'https:';
  // An IPv6 literal keeps its brackets: the runtime joins hostname and port into one address.
  const socket = connect(
    { hostname: url.hostname, port: Number(url.port || (tls ? 443 : 80)) },
    { secureTransport: tls ? 'on' : 'off', allowHalfOpen: false },
  );
  // Failures surface through the reads below; these promises would otherwise reject unobserved.
  socket.opened.catch(() => {});
  socket.closed.catch(() => {});
  const reader = socket.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  reader.closed.catch(() => {});
  let abortListener: (() => void) | undefined;
  // (A TLS handshake still in progress is dropped by the runtime only when the request ends.)
  const close = () => {
    if (abortListener) init.signal.removeEventListener('abort', abortListener);
    socket.close().catch(() => {});
  };
  // The write waits for the TCP connect and TLS handshake, which closing the socket does not cut short:
  // an abort (client gone, headers timeout) must end the wait itself.
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => {
      close();
      reject(init.signal.reason);
    };
    init.signal.addEventListener('abort', onAbort, { once: true });
    abortListener = onAbort;
  });
  aborted.catch(() => {});
  try {
    const writer = socket.writable.getWriter();
    writer.closed.catch(() => {});
    const written = writer.write(requestBytes(init.method, url, init.headers, init.body));
    written.catch(() => {});
    await Promise.race([written, aborted]);
    writer.releaseLock();
    const { head, rest } = await readHead(reader);
    return respond(init, head, rest, reader, close);
  } catch (err) {
    close();
    init.signal.throwIfAborted();
    throw err;
  }
}

/** Head and body in one buffer: one write, one trip through the runtime. */
function requestBytes(
  method: string,
  url: URL,
  headers: SocketFetchInit['headers'],
  body: string | undefined,
): Uint8Array {
  const payload = body === undefined ? undefined : encoder.encode(body);
  const head = encoder.encode(requestHead(method, url, headers, payload?.byteLength));
  return payload ? joinBytes([head, payload]) : head;
}

/** Interim (1xx) heads accepted before the final one; an origin has no reason to send more. */
const MAX_INTERIM_HEADS = 8;

/** Reads up to the final (non-1xx) response head; returns it and the body bytes that came with it. */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ head: ResponseHead; rest: Uint8Array }> {
  let buffer: Uint8Array = new Uint8Array(0);
  let interim = 0;
  for (;;) {
    const head = parseResponseHead(buffer);
    if (head) {
      buffer = buffer.subarray(head.length);
      if (head.status >= 200) return { head, rest: buffer };
      // Nothing here asks to switch protocols; other 1xx (100 Continue, 103 Early Hints) precede the answer.
      if (head.status === 101)
        throw new Http1Error('101 Switching Protocols to a request that asked for none');
      if (++interim > MAX_INTERIM_HEADS)
        throw new Http1Error(`more than ${MAX_INTERIM_HEADS} interim responses`);
      continue;
    }
    const { done, value } = await reader.read();
    if (done) throw new Error('connection closed before a response head');
    buffer = joinBytes([buffer, value]);
  }
}

/** Framing and connection fields describe this connection's bytes, not the body handed on. */
const HOP_FIELDS = new Set(['transfer-encoding', 'connection', 'keep-alive', 'content-length']);

function respond(
  request: SocketFetchInit,
  head: ResponseHead,
  rest: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  close: () => void,
): OriginResponse {
  const framing: BodyFraming = request.method === 'HEAD' ? { kind: 'none' } : bodyFraming(head);
  const decoder = bodyDecoder(framing);
  // A declared length is kept (it is the body's real length); other framing fields are dropped.
  const fields = head.headers.filter(
    ([name]) => !HOP_FIELDS.has(name) || (name === 'content-length' && framing.kind === 'length'),
  );
  // Checked before anything is read: what the runtime refuses in a head is the origin's fault.
  if (head.status > 599) throw new Http1Error(`status ${head.status} is outside 200-599`);
  // Body bytes that came with the head are decoded now: an answer that is already whole frees its
  // connection at once, whether or not anyone reads it. A fault in them is raised on reading, as it would
  // be a packet later (`throwIfFailed`).
  const first = decoder.push(rest);
  if (decoder.done) close();
  const body = new SocketBody(first, decoder, reader, request.signal, close);
  let headers: Headers | undefined;
  return {
    status: head.status,
    ok: head.status >= 200 && head.status < 300,
    // Built when asked for: a successful stream never reads its origin's fields. The head's parser
    // admits only field names and values the runtime accepts.
    get headers() {
      headers ??= new Headers(fields);
      return headers;
    },
    body,
    text: () => body.text(),
  };
}

const DONE: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };

/**
 * A response body read straight off the connection: each read is one read of the socket (all the bytes
 * that have arrived), decoded from its framing. Ends cleanly only where the framing says the body ends.
 */
class SocketBody implements OriginBody, OriginBodyReader {
  #pending: Uint8Array | undefined;
  #ended: boolean;
  #failure: unknown;
  #locked = false;
  readonly #decoder: BodyDecoder;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #signal: AbortSignal;
  readonly #close: () => void;

  constructor(
    first: Uint8Array,
    decoder: BodyDecoder,
    reader: ReadableStreamDefaultReader<Uint8Array>,
    signal: AbortSignal,
    close: () => void,
  ) {
    this.#pending = first.byteLength > 0 ? first : undefined;
    this.#ended = decoder.done;
    this.#decoder = decoder;
    this.#reader = reader;
    this.#signal = signal;
    this.#close = close;
  }

  get locked(): boolean {
    return this.#locked;
  }

  getReader(): OriginBodyReader {
    if (this.#locked) throw new TypeError('The body is already being read.');
    this.#locked = true;
    return this;
  }

  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#pending) {
      const value = this.#pending;
      this.#pending = undefined;
      return { done: false, value };
    }
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) return DONE;
    try {
      for (;;) {
        this.#decoder.throwIfFailed();
        const result = await this.#reader.read();
        // An abort is never a clean end, even for a body that ends when the connection does.
        this.#signal.throwIfAborted();
        if (result.done) {
          this.#decoder.end();
          this.#finish();
          return DONE;
        }
        const value = this.#decoder.push(result.value);
        if (this.#decoder.done) this.#finish();
        if (value.byteLength > 0) return { done: false, value };
        if (this.#ended) return DONE;
      }
    } catch (err) {
      // An abort reads as the abort, not as whatever the closed connection said.
      this.#failure = this.#signal.aborted ? this.#signal.reason : err;
      this.#close();
      throw this.#failure;
    }
  }

  cancel(_reason?: unknown): Promise<void> {
    this.#pending = undefined;
    this.#finish();
    return Promise.resolve();
  }

  async text(): Promise<string> {
    const reader = this.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#close();
  }
}
