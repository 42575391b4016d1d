/**
 * What the dispatch path needs of an origin's answer. A fetch() `Response` is one; the socket transport
 * answers with a lighter object of the same shape, whose body is read straight off its connection
 * instead of through a stream of the runtime's (one promise per read, not three).
 */
export interface OriginResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly body: OriginBody | null;
  /** The whole body as text. */
  text(): Promise<string>;
}

export interface OriginBody {
  readonly locked: boolean;
  getReader(): OriginBodyReader;
  cancel(reason?: unknown): Promise<void>;
}

/** One read at a time, as a ReadableStream's default reader is used. */
export interface OriginBodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason?: unknown): Promise<void>;
}
