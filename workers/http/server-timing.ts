/**
 * Splits a request's wall time into gateway and origin parts for the `server-timing` header, so a
 * caller can see how much of the latency the edge added.
 */
export class ServerTiming {
  readonly start = performance.now();
  originMs = 0;
  #originStart: number | undefined;

  originStarted(): void {
    this.#originStart = performance.now();
  }

  /** Origin time runs until response headers arrive; streamed body time is the client's to see. */
  originResponded(): void {
    if (this.#originStart === undefined) return;
    this.originMs += performance.now() - this.#originStart;
    this.#originStart = undefined;
  }

  header(): string {
    const total = performance.now() - this.start;
    const origin = this.originMs;
    const gateway = Math.max(0, total - origin);
    return `gateway;dur=${gateway.toFixed(2)}, origin;dur=${origin.toFixed(2)}, total;dur=${total.toFixed(2)}`;
  }
}
