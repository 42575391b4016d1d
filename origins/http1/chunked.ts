import { joinBytes } from './join-bytes.ts';
import { Http1Error } from './response-head.ts';

/** Longest chunk-size or trailer line accepted (extensions included), and most trailer lines. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 64;

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/**
 * Incremental decoder of HTTP/1.1 chunked transfer coding (RFC 9112 §7.1). Bytes go in as they came
 * off the connection, in any split; each `push` returns the payload they completed, in one piece:
 * everything that arrived together leaves together, so a burst of chunks costs one read downstream.
 * A framing fault ends the payload where it is found and is raised by the next call (`throwIfFailed`,
 * `push` or `end`), so what came before it is never lost.
 */
export class ChunkedDecoder {
  #state: State = 'size';
  #remaining = 0;
  #line = '';
  #trailers = 0;
  /** The framing fault found in bytes already pushed: raised on the next call. */
  #error: Http1Error | undefined;

  get done(): boolean {
    return this.#state === 'done';
  }

  /** Raises a framing fault found in the bytes pushed so far. */
  throwIfFailed(): void {
    if (this.#error) throw this.#error;
  }

  push(bytes: Uint8Array): Uint8Array {
    this.throwIfFailed();
    const pieces: Uint8Array[] = [];
    try {
      this.#decode(bytes, pieces);
    } catch (err) {
      if (!(err instanceof Http1Error)) throw err;
      this.#error = err;
    }
    return joinBytes(pieces);
  }

  /** The connection ended: unless the last chunk arrived, the body was cut short. */
  end(): void {
    this.throwIfFailed();
    if (this.#state !== 'done') throw new Http1Error('connection closed inside a chunked body');
  }

  #decode(bytes: Uint8Array, pieces: Uint8Array[]): void {
    let at = 0;
    while (at < bytes.byteLength && this.#state !== 'done') {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, bytes.byteLength - at);
        pieces.push(bytes.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 'data-end';
        continue;
      }
      const nl = bytes.indexOf(10, at);
      if (nl !== -1 && this.#line === '' && this.#state !== 'trailers' && this.#plainLine(bytes, at, nl)) {
        at = nl + 1;
        continue;
      }
      const end = nl === -1 ? bytes.byteLength : nl;
      this.#line += String.fromCharCode(...bytes.subarray(at, Math.min(end, at + MAX_LINE + 1)));
      if (this.#line.length > MAX_LINE) throw new Http1Error('chunk line too long');
      if (nl === -1) break;
      at = nl + 1;
      const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
      this.#line = '';
      this.#onLine(line);
    }
  }

  /**
   * The common lines read straight off the bytes, without making a string of them: the CRLF after a
   * chunk's data, and a size line of hex digits (padding allowed, no extension). Anything else (an
   * extension, a fault, a line split over two pushes) is left to `#onLine`; false then, nothing changed.
   */
  #plainLine(bytes: Uint8Array, at: number, nl: number): boolean {
    if (nl - at > MAX_LINE) return false;
    const end = nl > at && bytes[nl - 1] === 13 ? nl - 1 : nl;
    if (this.#state === 'data-end') {
      if (end !== at) return false;
      this.#state = 'size';
      return true;
    }
    let size = 0;
    let i = at;
    for (; i < end && i - at <= 12; i++) {
      const digit = hexDigit(bytes[i] as number);
      if (digit < 0) break;
      size = size * 16 + digit;
    }
    if (i === at || i - at > 12) return false;
    while (i < end && (bytes[i] === 32 || bytes[i] === 9)) i++;
    if (i !== end) return false;
    this.#remaining = size;
    this.#state = size === 0 ? 'trailers' : 'data';
    return true;
  }

  #onLine(line: string): void {
    if (this.#state === 'data-end') {
      if (line.length !== 0) throw new Http1Error('chunk data longer than its size');
      this.#state = 'size';
    } else if (this.#state === 'size') {
      const size = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/.exec(line);
      if (!size) throw new Http1Error(`bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
      this.#remaining = Number.parseInt(size[1] as string, 16);
      this.#state = this.#remaining === 0 ? 'trailers' : 'data';
    } else if (line.length === 0) {
      this.#state = 'done';
    } else if (++this.#trailers > MAX_TRAILERS) {
      throw new Http1Error('too many trailer lines');
    }
  }
}

/** The value of an ASCII hex digit, or -1. */
function hexDigit(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}
