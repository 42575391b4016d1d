import type { PriorityClass } from '../../schemas/config.ts';
import { Fifo } from './fifo.ts';

export const PRIORITY_CLASSES: readonly PriorityClass[] = ['critical', 'high', 'normal', 'low'];
const RANK: Record<PriorityClass, number> = { critical: 0, high: 1, normal: 2, low: 3 };

export interface QueueEntry {
  tenant: string;
  priority: PriorityClass;
  /** Set by the queue: `waiting` until taken, shed or cancelled. */
  queueState?: 'waiting' | 'taken' | 'shed' | 'cancelled';
}

interface TenantLine<T> {
  tenant: string;
  fifo: Fifo<T>;
  live: number;
}

class ClassQueue<T extends QueueEntry> {
  /** Tenants with waiters. A line that empties leaves this map, so its tenant's next waiter starts a new line. */
  readonly lines = new Map<string, TenantLine<T>>();
  /**
   * Lines in serving order: round-robin gives each tenant one turn in its class. A turn whose line has
   * left `lines` is stale (its tenant stopped waiting) and is skipped, so a tenant cannot come back
   * into a place it no longer holds.
   */
  turns = new Fifo<TenantLine<T>>();
  live = 0;
}

/** Dead entries (cancelled, shed, taken) beyond this many per live one are compacted away. */
const SLACK = 16;

export type OfferResult<T> = { ok: true; shed?: T } | { ok: false };

/**
 * The bounded wait queue of one pool. Strict priority between classes; within a class, round-robin
 * between tenants and FIFO within a tenant. When full, a newcomer displaces the newest waiter of the
 * lowest class below its own (taken from that class's busiest tenant), or is refused itself.
 * Cancelled entries are skipped lazily, so cancel is O(1) amortised and nothing is spliced out of the
 * middle; what they leave behind is compacted, so a starved class that only ever times out does not
 * keep its dead waiters in memory.
 */
export class PriorityQueue<T extends QueueEntry> {
  readonly #classes = PRIORITY_CLASSES.map(() => new ClassQueue<T>());
  #size = 0;
  maxDepth: number;

  constructor(maxDepth: number) {
    this.maxDepth = maxDepth;
  }

  get size(): number {
    return this.#size;
  }

  /** Entries and turns held in memory, dead ones not yet dropped included (bounded by a multiple of `size`). */
  get retained(): number {
    let n = 0;
    for (const cls of this.#classes) {
      n += cls.turns.length;
      for (const line of cls.lines.values()) n += line.fifo.length;
    }
    return n;
  }

  depthByClass(): Record<PriorityClass, number> {
    return {
      critical: this.#classes[0]!.live,
      high: this.#classes[1]!.live,
      normal: this.#classes[2]!.live,
      low: this.#classes[3]!.live,
    };
  }

  /** Waiters that will be served before a newcomer of this class. */
  ahead(priority: PriorityClass): number {
    let n = 0;
    for (let r = 0; r <= RANK[priority]; r++) n += this.#classes[r]!.live;
    return n;
  }

  offer(entry: T): OfferResult<T> {
    let shed: T | undefined;
    if (this.#size >= this.maxDepth) {
      shed = this.#shedBelow(RANK[entry.priority]);
      if (!shed) return { ok: false };
    }
    const cls = this.#classes[RANK[entry.priority]]!;
    let line = cls.lines.get(entry.tenant);
    if (!line) {
      line = { tenant: entry.tenant, fifo: new Fifo<T>(), live: 0 };
      cls.lines.set(entry.tenant, line);
      cls.turns.push(line);
      if (cls.turns.length > 2 * cls.lines.size + SLACK) this.#compactTurns(cls);
    }
    entry.queueState = 'waiting';
    line.fifo.push(entry);
    line.live++;
    cls.live++;
    this.#size++;
    return shed ? { ok: true, shed } : { ok: true };
  }

  /** The next waiter to serve, or undefined when nobody waits. */
  take(): T | undefined {
    for (const cls of this.#classes) {
      while (cls.live > 0) {
        const line = cls.turns.shift();
        if (!line) break;
        if (cls.lines.get(line.tenant) !== line) continue;
        // A current line's head is always waiting (see #tidy).
        const entry = line.fifo.shift()!;
        entry.queueState = 'taken';
        line.live--;
        cls.live--;
        this.#size--;
        this.#tidy(cls, line);
        if (line.live > 0) cls.turns.push(line);
        return entry;
      }
    }
    return undefined;
  }

  /** Remove a waiter (deadline passed, caller gone). False when it was no longer waiting. */
  cancel(entry: T): boolean {
    if (entry.queueState !== 'waiting') return false;
    entry.queueState = 'cancelled';
    const cls = this.#classes[RANK[entry.priority]]!;
    // A waiting entry is always in its tenant's current line: a line leaves the map only once empty.
    const line = cls.lines.get(entry.tenant)!;
    line.live--;
    cls.live--;
    this.#size--;
    this.#tidy(cls, line);
    return true;
  }

  /**
   * Keep a line's head waiting and its dead entries few; an empty line leaves its class (its turn goes
   * stale), and an empty class drops all its turns at once.
   */
  #tidy(cls: ClassQueue<T>, line: TenantLine<T>): void {
    while (line.fifo.length > 0 && line.fifo.peek()!.queueState !== 'waiting') line.fifo.shift();
    if (line.live === 0) cls.lines.delete(line.tenant);
    else if (line.fifo.length > 2 * line.live + SLACK) {
      const kept = new Fifo<T>();
      for (const x of line.fifo) if (x.queueState === 'waiting') kept.push(x);
      line.fifo = kept;
    }
    if (cls.live === 0) cls.turns = new Fifo<TenantLine<T>>();
  }

  #compactTurns(cls: ClassQueue<T>): void {
    const kept = new Fifo<TenantLine<T>>();
    for (const line of cls.turns) if (cls.lines.get(line.tenant) === line) kept.push(line);
    cls.turns = kept;
  }

  #shedBelow(rank: number): T | undefined {
    for (let r = this.#classes.length - 1; r > rank; r--) {
      const cls = this.#classes[r]!;
      if (cls.live === 0) continue;
      let busiest: TenantLine<T> | undefined;
      for (const line of cls.lines.values()) if (!busiest || line.live > busiest.live) busiest = line;
      if (!busiest) continue;
      while (busiest.fifo.length > 0) {
        const victim = busiest.fifo.pop()!;
        if (victim.queueState !== 'waiting') continue;
        victim.queueState = 'shed';
        busiest.live--;
        cls.live--;
        this.#size--;
        this.#tidy(cls, busiest);
        return victim;
      }
    }
    return undefined;
  }
}
