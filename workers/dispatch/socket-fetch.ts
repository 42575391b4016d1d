import { connect } from 'cloudflare:sockets';
import { bodyDecoder } from '../../origins/http1/body.ts';
import { requestHead } from '../../origins/http1/request-head.ts';
import { bodyFraming, parseResponseHead, type ResponseHead } from '../../origins/http1/response-head.ts';

export interface SocketFetchInit {
  method: string;
  headers: Headers;
  body?: string;
  signal: AbortSignal;
}

const encoder = new TextEncoder();

/**
 * One HTTP/1.1 exchange over a TCP connection of its own (`connect()`), answered as a `Response`.
 *
 * Why: reading a fetch() body yields one HTTP chunk per read, and each read is a trip through the
 * runtime that costs far more than the chunk's bytes. A socket read returns everything that has
 * arrived, so when tokens come faster than they are relayed they are read together, and when they come
 * one by one each is still read the moment it lands. The price is a connection per exchange and no
 * access to hosts behind Cloudflare's proxy, hence a per-pool choice for streamed calls.
 *
 * Aborting `signal` closes the connection, before or after the response head.
 */
export async function socketFetch(target: string, init: SocketFetchInit): Promise<Response> {
  const url = new URL(target);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`unsupported origin scheme ${url.protocol}`);
  init.signal.throwIfAborted();
  const tls = url.protocol === 'https:';
  const socket = connect(
    { hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || (tls ? 443 : 80)) },
    { secureTransport: tls ? 'on' : 'off', allowHalfOpen: false },
  );
  // Failures surface through the reads below; these promises would otherwise reject unobserved.
  socket.opened.catch(() => {});
  socket.closed.catch(() => {});
  const reader = socket.readable.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  reader.closed.catch(() => {});
  // Cancelling the reader first ends a pending read as `done` instead of rejecting it with the close.
  const close = () => {
    reader.cancel().catch(() => {});
    socket.close().catch(() => {});
  };
  init.signal.addEventListener('abort', close, { once: true });
  try {
    const writer = socket.writable.getWriter();
    writer.closed.catch(() => {});
    await writer.write(requestBytes(init.method, url, init.headers, init.body));
    writer.releaseLock();
    const { head, rest } = await readHead(reader);
    return respond(head, rest, reader, close);
  } catch (err) {
    close();
    init.signal.throwIfAborted();
    throw err;
  }
}

/** Head and body in one buffer: one write, one trip through the runtime. */
function requestBytes(method: string, url: URL, headers: Headers, body: string | undefined): Uint8Array {
  const payload = body === undefined ? undefined : encoder.encode(body);
  const head = encoder.encode(requestHead(method, url, headers, payload?.byteLength));
  return payload ? concat(head, payload) : head;
}

/** Reads up to the final (non-1xx) response head; returns it and the body bytes that came with it. */
async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ head: ResponseHead; rest: Uint8Array }> {
  let buffer: Uint8Array = new Uint8Array(0);
  for (;;) {
    const head = parseResponseHead(buffer);
    if (head) {
      buffer = buffer.subarray(head.length);
      if (head.status >= 200) return { head, rest: buffer };
      continue; // 100 Continue, 103 Early Hints: the real answer follows
    }
    const { done, value } = await reader.read();
    if (done) throw new Error('connection closed before a response head');
    buffer = concat(buffer, value);
  }
}

function respond(
  head: ResponseHead,
  rest: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  close: () => void,
): Response {
  const decoder = bodyDecoder(bodyFraming(head));
  const headers = new Headers(head.headers);
  const init = { status: head.status, statusText: head.statusText, headers };
  if (decoder.done) {
    close();
    return new Response(null, init);
  }
  let pending: Uint8Array | undefined = rest.byteLength > 0 ? rest : undefined;
  // Pulled on demand (no buffer of its own): each read of the body is one read of the connection.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            let bytes = pending;
            pending = undefined;
            if (!bytes) {
              const result = await reader.read();
              if (result.done) {
                decoder.end();
                controller.close();
                close();
                return;
              }
              bytes = result.value;
            }
            const payload = decoder.push(bytes);
            if (payload.byteLength > 0) controller.enqueue(payload);
            if (decoder.done) {
              controller.close();
              close();
              return;
            }
            if (payload.byteLength > 0) return;
          }
        } catch (err) {
          close();
          controller.error(err);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
  return new Response(body, init);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
