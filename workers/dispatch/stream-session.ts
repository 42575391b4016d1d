import type { EcoError } from '../../schemas/errors.ts';
import { errorResponse, sseErrorEvent } from '../http/error-response.ts';
import { type After, ownTimer } from './request-timers.ts';

const encoder = new TextEncoder();
const KEEPALIVE = encoder.encode(': keepalive\n\n');
const KEEPALIVE_EVERY_MS = 10_000;
/** Writes buffered for a slow client before the relay waits for it (backpressure reaches the origin). */
const BUFFERED_CHUNKS = 8;
/** A burst's pending output leaves early once it reaches this size. */
const FLUSH_BYTES = 16 * 1024;

export interface StreamSessionOptions {
  /** How long response headers wait for the first output before committing 200 with keep-alives. */
  holdMs: number;
  /**
   * Output that arrives within this window after a write joins one batched write at the window's end;
   * output after a quiet window leaves at once. 0 writes every event on its own.
   */
  flushMs: number;
  /**
   * The client cancelled the body. The runtime does not abort the request's signal once the response is
   * out, so this is the only word that it left while its origin is silent.
   */
  onClientGone?: () => void;
  /** Schedules the hold (default: a timer of its own). */
  after?: After;
}

/**
 * The client side of one streamed request. Response headers are held back until the first output
 * (or until the hold time passes), so a failure before that can still be a real 4xx/5xx; after the
 * commit, waiting is filled with SSE keep-alive comments and a failure becomes a terminal error event.
 *
 * Every write to the client costs a trip through the runtime, so events that an origin bursts out
 * faster than the flush window are written together; paced tokens (the usual case) go out one by one
 * with no added delay. The body is a ReadableStream fed with `enqueue`: no promise unless the client
 * is slow.
 */
export class StreamSession {
  readonly #readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly #headers: () => HeadersInit;
  readonly #resolve: (response: Response) => void;
  readonly #flushMs: number;
  #committed = false;
  #closed = false;
  #clientGone = false;
  #outputStarted = false;
  #demand: (() => void) | undefined;
  readonly #cancelHold: () => void;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #pending = '';
  #lastFlush = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    headers: () => HeadersInit,
    options: StreamSessionOptions,
    resolve: (response: Response) => void,
  ) {
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
          this.#stopFlushTimer();
          this.#wakeWriter();
          options.onClientGone?.();
        },
      },
      { highWaterMark: BUFFERED_CHUNKS },
    );
    this.#headers = headers;
    this.#resolve = resolve;
    this.#flushMs = options.flushMs;
    this.#cancelHold = (options.after ?? ownTimer)(options.holdMs, () => this.#commitWaiting());
  }

  /**
   * Write output; the first call commits the response (status 200). Returns a promise only when the
   * client is behind and the caller must wait for it. Throws once the client is gone. `last`: close()
   * follows at once and sends it, so no flush timer is armed for it.
   */
  write(text: string, last = false): Promise<void> | undefined {
    if (this.#clientGone) throw new Error('client gone');
    if (text.length === 0 || this.#closed) return undefined;
    this.#outputStarted = true;
    this.#stopKeepalive();
    this.#commit();
    this.#pending += text;
    if (last) return undefined;
    const now = Date.now();
    const wait = this.#lastFlush + this.#flushMs - now;
    if (wait > 0 && this.#pending.length < FLUSH_BYTES) {
      this.#flushTimer ??= setTimeout(() => this.#flushLater(), wait);
    } else {
      this.#flush(now);
    }
    return (this.#controller.desiredSize ?? 1) <= 0 ? this.#clientDemand() : undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush(Date.now());
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
      this.#cancelHold();
      this.#resolve(errorResponse(err));
      return;
    }
    this.#pending += sseErrorEvent(err);
    await this.close();
  }

  #flush(now: number): void {
    this.#stopFlushTimer();
    this.#lastFlush = now;
    if (this.#pending.length === 0 || this.#clientGone) return;
    this.#controller.enqueue(encoder.encode(this.#pending));
    this.#pending = '';
  }

  #flushLater(): void {
    this.#flushTimer = undefined;
    if (!this.#closed) this.#flush(Date.now());
  }

  async #clientDemand(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#demand = resolve;
    });
    if (this.#clientGone) throw new Error('client gone');
  }

  #wakeWriter(): void {
    const wake = this.#demand;
    this.#demand = undefined;
    wake?.();
  }

  #commit(): void {
    if (this.#committed) return;
    this.#committed = true;
    this.#cancelHold();
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

  #stopFlushTimer(): void {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
  }
}
