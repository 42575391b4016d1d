/**
 * Fault injection for emulated origins, set through the control API. A fault matches an engine and
 * optionally one origin, applies to `count` requests (or until cleared), and says what breaks.
 */
export const FAULT_MODES = [
  'latency', // delay before the response headers (delayMs)
  'status', // answer `status` in the engine's error shape, with optional Retry-After
  'refuse', // drop the connection as soon as it is made
  'stall-first', // send headers, then nothing until the client gives up
  'stall-mid', // stream `afterTokens` tokens, then go silent
  'cut-mid', // stream `afterTokens` tokens, then drop the connection
  'malformed', // stream `afterTokens` tokens, then a frame that is not valid for the engine
  'slow-health', // health and metrics endpoints answer after delayMs
  'loading', // the engine reports that it is loading (health and generation)
] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface Fault {
  id: number;
  engine: string;
  origin?: string;
  mode: FaultMode;
  /** Requests left to affect; undefined: until cleared. */
  count?: number;
  status?: number;
  retryAfter?: number;
  delayMs?: number;
  afterTokens?: number;
}

export type FaultInput = Omit<Fault, 'id'>;

const HEALTH_MODES: ReadonlySet<FaultMode> = new Set(['slow-health', 'loading']);

export class FaultTable {
  #faults: Fault[] = [];
  #seq = 0;

  add(input: FaultInput): Fault {
    const fault: Fault = { ...input, id: ++this.#seq };
    this.#faults.push(fault);
    return fault;
  }

  clear(): void {
    this.#faults = [];
  }

  list(): Fault[] {
    return [...this.#faults];
  }

  /** The fault for one generation request on this origin, consuming one of its count. */
  takeForRequest(engine: string, origin: string): Fault | undefined {
    return this.#take(engine, origin, (f) => !HEALTH_MODES.has(f.mode) || f.mode === 'loading');
  }

  /** A health-affecting fault, without consuming it (probes must not use up a request fault). */
  peekHealth(engine: string, origin: string): Fault | undefined {
    return this.#faults.find((f) => this.#matches(f, engine, origin) && HEALTH_MODES.has(f.mode));
  }

  #take(engine: string, origin: string, accept: (f: Fault) => boolean): Fault | undefined {
    const index = this.#faults.findIndex((f) => this.#matches(f, engine, origin) && accept(f));
    if (index === -1) return undefined;
    const fault = this.#faults[index]!;
    if (fault.count !== undefined) {
      fault.count -= 1;
      if (fault.count <= 0) this.#faults.splice(index, 1);
    }
    return fault;
  }

  #matches(f: Fault, engine: string, origin: string): boolean {
    return f.engine === engine && (f.origin === undefined || f.origin === origin);
  }
}
