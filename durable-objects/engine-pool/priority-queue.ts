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
  fifo: Fifo<T>;
  live: number;
}

class ClassQueue<T extends QueueEntry> {
  readonly lines = new Map<string, TenantLine<T>>();
  /** Tenants with waiters, in serving order: round-robin gives each tenant one turn in its class. */
  readonly turns = new Fifo<string>();
  live = 0;
}

export type OfferResult<T> = { ok: true; shed?: T } | { ok: false };

/**
 * The bounded wait queue of one pool. Strict priority between classes; within a class, round-robin
 * between tenants and FIFO within a tenant. When full, a newcomer displaces the newest waiter of the
 * lowest class below its own (taken from that class's busiest tenant), or is refused itself.
 * Cancelled entries are skipped lazily, so cancel is O(1) and nothing is spliced out of the middle.
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
      line = { fifo: new Fifo<T>(), live: 0 };
      cls.lines.set(entry.tenant, line);
      cls.turns.push(entry.tenant);
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
      while (cls.live > 0 && cls.turns.length > 0) {
        const tenant = cls.turns.shift()!;
        const line = cls.lines.get(tenant)!;
        let entry: T | undefined;
        while (line.fifo.length > 0) {
          const next = line.fifo.shift()!;
          if (next.queueState === 'waiting') {
            entry = next;
            break;
          }
        }
        if (line.live - (entry ? 1 : 0) > 0) cls.turns.push(tenant);
        else cls.lines.delete(tenant);
        if (!entry) continue;
        entry.queueState = 'taken';
        line.live--;
        cls.live--;
        this.#size--;
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
    const line = cls.lines.get(entry.tenant);
    if (line) line.live--;
    cls.live--;
    this.#size--;
    return true;
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
        return victim;
      }
    }
    return undefined;
  }
}
