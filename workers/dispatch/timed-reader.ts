import { EcoError } from '../../schemas/errors.ts';
import type { OriginBody, OriginBodyReader, OriginResponse } from './origin-response.ts';
import { type After, ownTimer } from './request-timers.ts';

/**
 * Reads an origin body chunk by chunk with a deadline per read (time to first token, then idle time
 * between chunks) and an overall deadline. A stall becomes an `origin_timeout`, never a hang.
 *
 * One watchdog timer serves every read: a read that moves the deadline later leaves the timer alone (it
 * re-arms itself when it wakes early), and only one that moves it earlier than the timer's wake-up (a
 * short idle limit after a long wait for the first token) re-arms it. Streams of thousands of small
 * chunks thus cost no timer per chunk.
 */
export class TimedReader {
  readonly #response: OriginResponse;
  readonly #body: OriginBody;
  #locked: OriginBodyReader | undefined;
  readonly #totalDeadline: number;
  /** The total limit as configured: what a cut at it reports (not what was left of it). */
  readonly #totalMs: number;
  #deadline = 0;
  #limitMs = 0;
  #reportMs = 0;
  #what = '';
  #reading = false;
  /** Cancels the armed watchdog; undefined while none is armed. */
  #cancelTimer: (() => void) | undefined;
  readonly #after: After;
  /** When the armed timer fires. */
  #wakeAt = 0;
  /** What every read fails with from now on: a timeout, or the attempt ended (signal). */
  #failure: EcoError | undefined;
  #finished = false;

  /**
   * Reads `response`'s body (none reads as empty) within `totalMs` overall. `signal` ends the reading
   * and cancels the body: the runtime's fetch signal stops at the headers, so without this a client
   * gone while its origin is silent would hold its lease (and the origin) until a timeout.
   */
  constructor(response: OriginResponse, totalMs: number, signal?: AbortSignal, after: After = ownTimer) {
    this.#response = response;
    this.#after = after;
    this.#body = response.body ?? NO_BODY;
    this.#totalDeadline = Date.now() + totalMs;
    this.#totalMs = totalMs;
    if (signal?.aborted) this.#abort();
    else signal?.addEventListener('abort', () => this.#abort(), { once: true });
  }

  #abort(): void {
    if (this.#finished || this.#failure) return;
    this.#failure = new EcoError(499, 'client_closed', 'The client closed the request.');
    this.cancel('aborted');
  }

  /** Milliseconds left of the total limit (at least 1), and the limit as configured. */
  totalLeft(): { leftMs: number; totalMs: number } {
    return { leftMs: Math.max(1, this.#totalDeadline - Date.now()), totalMs: this.#totalMs };
  }

  /** The body's reader, taken on first use so that `wholeText` can still read the body natively. */
  get #reader(): OriginBodyReader {
    this.#locked ??= this.#body.getReader();
    return this.#locked;
  }

  /**
   * The whole body as text in one native read, for a body whose declared length is within bounds:
   * one promise instead of one per chunk. `timeoutMs` (capped by the total limit) covers all of it; on
   * expiry the read is abandoned, and the runtime closes it with the request. Only before any `read`.
   */
  async wholeText(timeoutMs: number, what: string): Promise<string> {
    const limitMs = Math.min(timeoutMs, this.#totalDeadline - Date.now());
    const total = limitMs < timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      const error = () => (total ? timeoutError(TOTAL, this.#totalMs) : timeoutError(what, limitMs));
      timer = setTimeout(() => reject(error()), Math.max(1, limitMs));
    });
    try {
      return await Promise.race([this.#response.text(), expired]);
    } catch (err) {
      throw err instanceof EcoError ? err : brokenStream(err);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /**
   * The next chunk within `timeoutMs`. `limitMs` is the limit a timeout reports, when the wait is what
   * is left of a longer one (the first token's, spread over several reads).
   */
  read(timeoutMs: number, what: string, limitMs = timeoutMs): Promise<Uint8Array | undefined> {
    if (this.#failure) return Promise.reject(this.#failure);
    const now = Date.now();
    const total = this.#totalDeadline - now <= timeoutMs;
    this.#limitMs = total ? this.#totalDeadline - now : timeoutMs;
    this.#reportMs = limitMs;
    this.#what = total ? TOTAL : what;
    if (this.#limitMs <= 0) return Promise.reject(this.#expire());
    this.#deadline = now + this.#limitMs;
    // Re-armed only when the deadline moves earlier than the wake-up (first token → idle limit).
    if (this.#cancelTimer === undefined || this.#deadline < this.#wakeAt) {
      this.#cancelTimer?.();
      this.#arm(this.#limitMs);
    }
    this.#reading = true;
    // One promise per read (no async wrapper): this runs once per origin chunk.
    return this.#reader.read().then(this.#onRead, this.#onError);
  }

  readonly #onRead = (result: ReadableStreamReadResult<Uint8Array>): Uint8Array | undefined => {
    this.#reading = false;
    if (this.#failure) throw this.#failure;
    if (result.done) {
      this.#stop();
      return undefined;
    }
    return result.value;
  };

  readonly #onError = (err: unknown): never => {
    this.#reading = false;
    this.#stop();
    if (this.#failure) throw this.#failure;
    throw brokenStream(err);
  };

  /** Stop reading and tell the origin (aborting its generation where the engine supports it). */
  cancel(reason?: unknown): void {
    this.#stop();
    if (this.#locked) this.#locked.cancel(reason).catch(() => {});
    else if (!this.#body.locked) this.#body.cancel(reason).catch(() => {});
  }

  #arm(ms: number): void {
    this.#wakeAt = Date.now() + ms;
    this.#cancelTimer = this.#after(Math.max(1, ms), () => this.#wake());
  }

  #wake(): void {
    this.#cancelTimer = undefined;
    if (this.#finished) return;
    const left = this.#deadline - Date.now();
    if (this.#reading && left <= 0) {
      this.#expire();
      return;
    }
    this.#arm(left > 0 ? left : this.#limitMs);
  }

  #expire(): EcoError {
    const total = this.#what === TOTAL;
    this.#failure = timeoutError(this.#what, total ? this.#totalMs : this.#reportMs);
    this.cancel('timeout');
    return this.#failure;
  }

  #stop(): void {
    this.#finished = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }
}

const TOTAL = 'the total time limit';

const ENDED: ReadableStreamReadResult<Uint8Array> = { done: true, value: undefined };
const EMPTY_READER: OriginBodyReader = { read: async () => ENDED, cancel: async () => {} };
/** A response without a body reads as an empty one. */
const NO_BODY: OriginBody = { locked: false, getReader: () => EMPTY_READER, cancel: async () => {} };

function timeoutError(what: string, limitMs: number): EcoError {
  return new EcoError(504, 'origin_timeout', `The origin exceeded ${what} (${limitMs} ms).`);
}

function brokenStream(err: unknown): EcoError {
  return new EcoError(502, 'origin_stream_broken', `The origin's stream broke: ${String(err).slice(0, 200)}`);
}

/** Read a whole (bounded) body with the same deadlines, for non-stream answers and error bodies. */
export async function readAllText(
  reader: TimedReader,
  firstMs: number,
  idleMs: number,
  maxBytes: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  let first = true;
  for (;;) {
    const chunk = await reader.read(
      first ? firstMs : idleMs,
      first ? 'its time to first byte' : 'its idle limit',
    );
    first = false;
    if (!chunk) break;
    size += chunk.byteLength;
    if (size > maxBytes) {
      reader.cancel('too large');
      throw new EcoError(
        502,
        'origin_response_too_large',
        `The origin's response exceeded ${maxBytes} bytes.`,
      );
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
