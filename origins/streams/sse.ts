/**
 * Incremental Server-Sent Events framing, shared by every SSE-speaking engine. Accepts `data:` with or
 * without a space, `\n` or `\r\n` line ends, comment (keep-alive) lines, multi-line data, and chunks
 * split anywhere — inside a line or inside a multi-byte UTF-8 character.
 */
export interface SseMessage {
  event?: string;
  data: string;
}

export class SseParser {
  #decoder = new TextDecoder('utf-8');
  #buffer = '';
  #data: string[] = [];
  #dataChars = 0;
  #event: string | undefined;
  /** The last byte pushed was ASCII, so the UTF-8 decoder holds no part of a character. */
  #asciiEnd = true;
  /** Count of comment lines seen (keep-alives); lets callers treat them as liveness. */
  comments = 0;

  push(bytes: Uint8Array): SseMessage[] {
    if (bytes.length > 0) this.#asciiEnd = bytes[bytes.length - 1]! < 0x80;
    this.#buffer += this.#decoder.decode(bytes, { stream: true });
    return this.#drain();
  }

  /** Characters held for the event in progress (its data lines and its unfinished line). */
  get pending(): number {
    return this.#buffer.length + this.#dataChars;
  }

  /** Nothing is pending: no partial line, event or character. */
  get idle(): boolean {
    return (
      this.#buffer.length === 0 && this.#data.length === 0 && this.#event === undefined && this.#asciiEnd
    );
  }

  /** Flush at end of body; a final event without its blank line still counts. */
  end(): SseMessage[] {
    this.#buffer += this.#decoder.decode();
    const out = this.#drain();
    if (this.#buffer.length > 0) {
      this.#line(this.#buffer, out);
      this.#buffer = '';
    }
    this.#dispatch(out);
    return out;
  }

  #drain(): SseMessage[] {
    const out: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const nl = this.#buffer.indexOf('\n', start);
      if (nl === -1) break;
      const end = nl > start && this.#buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.#line(this.#buffer.slice(start, end), out);
      start = nl + 1;
    }
    if (start > 0) this.#buffer = this.#buffer.slice(start);
    return out;
  }

  #line(line: string, out: SseMessage[]): void {
    if (line.length === 0) {
      this.#dispatch(out);
      return;
    }
    const first = line.charCodeAt(0);
    if (first === 58 /* : */) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
      this.#dataChars += value.length;
    } else if (field === 'event') this.#event = value;
  }

  #dispatch(out: SseMessage[]): void {
    if (this.#data.length === 0) {
      this.#event = undefined;
      return;
    }
    const data = this.#data.length === 1 ? this.#data[0]! : this.#data.join('\n');
    out.push(this.#event === undefined ? { data } : { event: this.#event, data });
    this.#data = [];
    this.#dataChars = 0;
    this.#event = undefined;
  }
}
