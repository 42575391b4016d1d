/**
 * Incremental newline-delimited JSON framing (Ollama's native API, LMDeploy's legacy interactive stream).
 * Yields each complete non-empty line as text; the caller parses it.
 */
export class NdjsonParser {
  #decoder = new TextDecoder('utf-8');
  #buffer = '';

  /** Characters held for the line in progress. */
  get pending(): number {
    return this.#buffer.length;
  }

  push(bytes: Uint8Array): string[] {
    this.#buffer += this.#decoder.decode(bytes, { stream: true });
    const out: string[] = [];
    let start = 0;
    for (;;) {
      const nl = this.#buffer.indexOf('\n', start);
      if (nl === -1) break;
      const line = this.#buffer.slice(start, nl).trim();
      if (line.length > 0) out.push(line);
      start = nl + 1;
    }
    if (start > 0) this.#buffer = this.#buffer.slice(start);
    return out;
  }

  end(): string[] {
    this.#buffer += this.#decoder.decode();
    const rest = this.#buffer.trim();
    this.#buffer = '';
    return rest.length > 0 ? [rest] : [];
  }
}
