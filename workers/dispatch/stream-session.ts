import type { EcoError } from '../../schemas/errors.ts';
import { errorResponse, sseErrorEvent } from '../http/error-response.ts';

const encoder = new TextEncoder();
const KEEPALIVE = encoder.encode(': keepalive\n\n');
const KEEPALIVE_EVERY_MS = 10_000;
/** Chunks buffered for a slow client before the relay waits for it (backpressure reaches the origin). */
const BUFFERED_CHUNKS = 8;

/**
 * The client side of one streamed request. Response headers are held back until the first output
 * (or until the hold time passes), so a failure before that can still be a real 4xx/5xx; after the
 * commit, waiting is filled with SSE keep-alive comments and a failure becomes a terminal error event.
 *
 * The body is a ReadableStream fed with `enqueue`: a chunk costs no promise unless the client is slow.
 */
export class StreamSession {
  readonly #readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly #headers: () => Headers;
  readonly #resolve: (response: Response) => void;
  #committed = false;
  #closed = false;
  #clientGone = false;
  #outputStarted = false;
  #demand: (() => void) | undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #keepalive: ReturnType<typeof setInterval> | undefined;

  constructor(headers: () => Headers, holdMs: number, resolve: (response: Response) => void) {
    this.#readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => this.#wakeWriter(),
        cancel: () => {
          this.#clientGone = true;
          this.#closed = true;
          this.#stopKeepalive();
          this.#wakeWriter();
        },
      },
      { highWaterMark: BUFFERED_CHUNKS },
    );
    this.#headers = headers;
    this.#resolve = resolve;
    this.#holdTimer = setTimeout(() => this.#commitWaiting(), holdMs);
  }

  /** Write output; the first call commits the response (status 200). Throws once the client is gone. */
  async write(text: string): Promise<void> {
    if (this.#clientGone) throw new Error('client gone');
    if (text.length === 0 || this.#closed) return;
    this.#outputStarted = true;
    this.#stopKeepalive();
    this.#commit();
    this.#controller.enqueue(encoder.encode(text));
    if ((this.#controller.desiredSize ?? 1) <= 0) {
      await new Promise<void>((resolve) => {
        this.#demand = resolve;
      });
      if (this.#clientGone) throw new Error('client gone');
    }
  }

  async writeBytes(bytes: Uint8Array): Promise<void> {
    this.#controller.enqueue(bytes);
    if ((this.#controller.desiredSize ?? 1) <= 0) {
      await new Promise<void>((resolve) => {
        this.#demand = resolve;
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopKeepalive();
    this.#commit();
    this.#controller.close();
  }

  /** Before the commit: a real error response. After: one error event, then the stream ends. */
  async fail(err: EcoError): Promise<void> {
    if (this.#closed) return;
    if (!this.#committed) {
      this.#closed = true;
      this.#committed = true;
      if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
      this.#resolve(errorResponse(err));
      return;
    }
    this.#controller.enqueue(encoder.encode(sseErrorEvent(err)));
    await this.close();
  }

  #wakeWriter(): void {
    const wake = this.#demand;
    this.#demand = undefined;
    wake?.();
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
      this.#controller.enqueue(KEEPALIVE);
    };
    ping();
    this.#keepalive = setInterval(ping, KEEPALIVE_EVERY_MS);
  }

  #stopKeepalive(): void {
    if (this.#keepalive !== undefined) clearInterval(this.#keepalive);
    this.#keepalive = undefined;
  }
}
