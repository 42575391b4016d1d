import { nextAlarmAt } from './alarm-plan.ts';
import type { PoolCore } from './pool-core.ts';

/**
 * The pool object's one alarm (breaker cooldowns, lease expiry, health probes): set for the earliest
 * thing due, and only moved when something is due sooner than it is set for, or it has passed.
 */
export class PoolAlarm {
  readonly #storage: DurableObjectStorage;
  #at: number | undefined;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  /** The object started: read the stored alarm. True when it is missing or overdue (set it again). */
  async resume(): Promise<boolean> {
    const alarm = await this.#storage.getAlarm();
    this.#at = alarm ?? undefined;
    return alarm === null || alarm < Date.now();
  }

  /** The alarm fired, or was deleted: none is set. */
  cleared(): void {
    this.#at = undefined;
  }

  /** Set the alarm for the next thing due (`force`: even when one is set sooner). */
  schedule(core: PoolCore, nextProbeAt: number, force: boolean): void {
    const now = Date.now();
    const next = nextAlarmAt(core, nextProbeAt, now);
    if (next === undefined) return;
    if (!force && this.#at !== undefined && this.#at <= next && this.#at > now) return;
    this.#at = next;
    this.#storage.setAlarm(next).catch(() => {
      this.#at = undefined;
    });
  }
}
