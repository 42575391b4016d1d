import { adapterFor } from '../../origins/registry.ts';
import { poolSecretRefusal } from '../../workers/auth/pool-secret-names.ts';
import { probeDue } from './alarm-plan.ts';
import { probeAuthHeaders, probePool } from './health-probes.ts';
import type { PoolCore } from './pool-core.ts';

/**
 * The pool object's rounds of health probes, run from its alarm, one at a time. `core` is the live
 * core: the object swaps it when the pool is deleted, and results go to whichever holds the pool then.
 */
export class ProbeRounds {
  readonly #core: () => PoolCore;
  readonly #env: Record<string, unknown>;
  #running: Promise<void> | undefined;
  /** The next round is due no sooner than this. */
  nextAt = 0;

  constructor(core: () => PoolCore, env: Record<string, unknown>) {
    this.#core = core;
    this.#env = env;
  }

  /**
   * A config arrived: first round one interval later, since the first requests tell as much, sooner.
   * A round already planned keeps its time (or comes sooner, for a shorter interval): otherwise
   * configs pushed more often than the interval would put probes off for good.
   */
  configured(intervalMs: number, now: number): void {
    this.nextAt = this.nextAt === 0 ? now + intervalMs : Math.min(this.nextAt, now + intervalMs);
  }

  /** Probe every origin when a round is due; waits for a round already running. */
  async runIfDue(now: number): Promise<void> {
    const core = this.#core();
    if (!probeDue(core, this.nextAt, now)) return;
    this.nextAt = now + (core.config?.health.intervalMs ?? 10_000);
    this.#running ??= this.#round().finally(() => {
      this.#running = undefined;
    });
    await this.#running;
  }

  async #round(): Promise<void> {
    const config = this.#core().config;
    const adapter = config ? adapterFor(config.protocol) : undefined;
    if (!config || !adapter) return;
    const results = await probePool(config, adapter, {
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      // A secret the pool may not send (a gateway or IM bot secret) goes to no probe either.
      authHeaders:
        config.auth && (await poolSecretRefusal(this.#env.DB as D1Database, config.auth.secret))
          ? {}
          : probeAuthHeaders(config, this.#env),
    });
    // With the URL probed: an origin that moved while the round ran must not get its old URL's verdict.
    for (const { id, url } of config.origins) {
      const result = results.get(id);
      if (result) this.#core().recordProbe(id, url, result);
    }
  }
}
