import { EcoError } from '../../schemas/errors.ts';

const TIMED_OUT = Symbol('timed-out');

/**
 * Reads an origin body chunk by chunk with a deadline per read (time to first token, then idle time
 * between chunks) and an overall deadline. A stall becomes an `origin_timeout`, never a hang.
 */
export class TimedReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #totalDeadline: number;

  constructor(body: ReadableStream<Uint8Array>, totalMs: number) {
    this.#reader = body.getReader();
    this.#totalDeadline = Date.now() + totalMs;
  }

  async read(timeoutMs: number, what: string): Promise<Uint8Array | undefined> {
    const budget = Math.min(timeoutMs, this.#totalDeadline - Date.now());
    if (budget <= 0) throw this.#timeout('the total time limit', timeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), budget);
    });
    try {
      const result = await Promise.race([this.#reader.read(), expiry]);
      if (result === TIMED_OUT) throw this.#timeout(what, budget);
      return result.done ? undefined : result.value;
    } catch (err) {
      if (err instanceof EcoError) throw err;
      throw new EcoError(
        502,
        'origin_stream_broken',
        `The origin's stream broke: ${String(err).slice(0, 200)}`,
      );
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Stop reading and tell the origin (aborting its generation where the engine supports it). */
  cancel(reason?: unknown): void {
    this.#reader.cancel(reason).catch(() => {});
  }

  #timeout(what: string, ms: number): EcoError {
    this.cancel('timeout');
    return new EcoError(504, 'origin_timeout', `The origin exceeded ${what} (${ms} ms).`);
  }
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
