import type { EcoError } from '../../schemas/errors.ts';
import { errorResponse, sseErrorEvent } from '../http/error-response.ts';

const encoder = new TextEncoder();
const KEEPALIVE = encoder.encode(': keepalive\n\n');
const KEEPALIVE_EVERY_MS = 10_000;

/**
 * The client side of one streamed request. Response headers are held back until the first output
 * (or until the hold time passes), so a failure before that can still be a real 4xx/5xx; after the
 * commit, waiting is filled with SSE keep-alive comments and a failure becomes a terminal error event.
 */
export class StreamSession {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #readable: ReadableStream<Uint8Array>;
  readonly #headers: () => Headers;
  readonly #resolve: (response: Response) => void;
  #committed = false;
  #closed = false;
  #outputStarted = false;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  /** Fires when the client goes away (its read side was cancelled). */
  readonly clientGone: Promise<void>;

  constructor(headers: () => Headers, holdMs: number, resolve: (response: Response) => void) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.#readable = readable;
    this.#writer = writable.getWriter();
    this.#headers = headers;
    this.#resolve = resolve;
    this.clientGone = this.#writer.closed.then(
      () => new Promise<void>(() => {}),
      () => undefined,
    );
    this.#holdTimer = setTimeout(() => this.#commitWaiting(), holdMs);
  }

  get committed(): boolean {
    return this.#committed;
  }

  /** Write output; the first call commits the response (status 200) if it was not yet. */
  async write(text: string): Promise<void> {
    if (text.length === 0 || this.#closed) return;
    this.#outputStarted = true;
    this.#stopKeepalive();
    this.#commit();
    await this.#writer.write(encoder.encode(text));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopKeepalive();
    this.#commit();
    await this.#writer.close().catch(() => {});
  }

  /** Before the commit: a real error response. After: one error event, then the stream ends. */
  async fail(err: EcoError): Promise<void> {
    if (this.#closed) return;
    if (!this.#committed) {
      this.#closed = true;
      this.#committed = true;
      if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
      this.#resolve(errorResponse(err));
      this.#writer.abort().catch(() => {});
      return;
    }
    await this.#writer.write(encoder.encode(sseErrorEvent(err))).catch(() => {});
    await this.close();
  }

  #commit(): void {
    if (this.#committed) return;
    this.#committed = true;
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#resolve(new Response(this.#readable, { status: 200, headers: this.#headers() }));
  }

  #commitWaiting(): void {
    if (this.#committed || this.#closed) return;
    this.#commit();
    const ping = () => {
      if (this.#outputStarted || this.#closed) return this.#stopKeepalive();
      this.#writer.write(KEEPALIVE).catch(() => {});
    };
    ping();
    this.#keepalive = setInterval(ping, KEEPALIVE_EVERY_MS);
  }

  #stopKeepalive(): void {
    if (this.#keepalive !== undefined) clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}
