import { ChunkedDecoder } from './chunked.ts';
import { type BodyFraming, Http1Error } from './response-head.ts';

/** Turns the bytes after a response head into the body's payload, whatever its framing. */
export interface BodyDecoder {
  /** The payload in `bytes` (possibly empty). Bytes after the body's end are ignored. */
  push(bytes: Uint8Array): Uint8Array;
  /** The body is complete; the connection has nothing more to give. */
  readonly done: boolean;
  /** The connection closed: throws when that cut the body short. */
  end(): void;
  /** Throws a fault already found in bytes pushed (before waiting for more of them). */
  throwIfFailed(): void;
}

export function bodyDecoder(framing: BodyFraming): BodyDecoder {
  switch (framing.kind) {
    case 'chunked':
      return new ChunkedDecoder();
    case 'length':
      return new LengthDecoder(framing.length);
    case 'close':
      return new UntilCloseDecoder();
    case 'none':
      return new LengthDecoder(0);
  }
}

class LengthDecoder implements BodyDecoder {
  #remaining: number;

  constructor(length: number) {
    this.#remaining = length;
  }

  get done(): boolean {
    return this.#remaining === 0;
  }

  push(bytes: Uint8Array): Uint8Array {
    const take = Math.min(this.#remaining, bytes.byteLength);
    this.#remaining -= take;
    return take === bytes.byteLength ? bytes : bytes.subarray(0, take);
  }

  throwIfFailed(): void {}

  end(): void {
    if (this.#remaining > 0)
      throw new Http1Error(`connection closed ${this.#remaining} bytes before the declared content-length`);
  }
}

class UntilCloseDecoder implements BodyDecoder {
  readonly done = false;

  push(bytes: Uint8Array): Uint8Array {
    return bytes;
  }

  end(): void {}

  throwIfFailed(): void {}
}
