/**
 * Single flight for model pulls (Ollama pull-on-demand): per origin and model, one request (the
 * leader) pulls while the others wait and poll. Plain state with an injected clock; the EnginePool
 * object holds one instance in memory — a pull is transient, and should the object be evicted, a
 * waiter finds nothing in flight and pulls itself (the engine joins concurrent pulls of one model).
 */
export type PullState =
  | { state: 'none' }
  | { state: 'pulling'; leader: string; startedAt: number; expiresAt: number }
  | { state: 'done'; finishedAt: number }
  | { state: 'failed'; error: string; finishedAt: number };

export type BeginResult =
  | { leader: true }
  | { leader: false; leaderRequestId: string; startedAt: number; expiresAt: number };

/** How long a finished pull's outcome stays readable for the waiters still polling. */
export const OUTCOME_TTL_MS = 60_000;

interface Entry {
  leader: string;
  startedAt: number;
  expiresAt: number;
  outcome?: { ok: true; at: number } | { ok: false; error: string; at: number };
}

const keyOf = (originId: string, model: string) => `${originId}\u0000${model}`;

export class ModelPulls {
  readonly #entries = new Map<string, Entry>();

  /**
   * Become the leader unless a live pull is running. A finished pull's outcome does not block a new
   * one: after a success the model is present (asking again is harmless), after a failure a new
   * request deserves a fresh try.
   */
  begin(originId: string, model: string, requestId: string, ttlMs: number, now: number): BeginResult {
    this.#sweep(now);
    const key = keyOf(originId, model);
    const entry = this.#entries.get(key);
    if (entry && !entry.outcome && entry.expiresAt > now) {
      return {
        leader: false,
        leaderRequestId: entry.leader,
        startedAt: entry.startedAt,
        expiresAt: entry.expiresAt,
      };
    }
    this.#entries.set(key, { leader: requestId, startedAt: now, expiresAt: now + ttlMs });
    return { leader: true };
  }

  status(originId: string, model: string, now: number): PullState {
    this.#sweep(now);
    const entry = this.#entries.get(keyOf(originId, model));
    if (!entry) return { state: 'none' };
    if (entry.outcome?.ok === true) return { state: 'done', finishedAt: entry.outcome.at };
    if (entry.outcome?.ok === false) {
      return { state: 'failed', error: entry.outcome.error, finishedAt: entry.outcome.at };
    }
    return { state: 'pulling', leader: entry.leader, startedAt: entry.startedAt, expiresAt: entry.expiresAt };
  }

  /**
   * Record the outcome. `ok: false` without an error means the leader gave up (its client left): the
   * pull is forgotten so that a waiter takes over instead of failing. With `requestId`, only the
   * current leader's word counts: a leader whose pull outlived its time, and that another request took
   * over, must not end or overwrite the new pull.
   */
  finish(
    originId: string,
    model: string,
    ok: boolean,
    error: string | undefined,
    now: number,
    requestId?: string,
  ): void {
    const key = keyOf(originId, model);
    const entry = this.#entries.get(key);
    if (!entry) return;
    if (requestId !== undefined && entry.leader !== requestId) return;
    if (!ok && error === undefined) {
      this.#entries.delete(key);
      return;
    }
    entry.outcome = ok ? { ok: true, at: now } : { ok: false, error: error ?? 'pull failed', at: now };
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Expired pulls (a leader that vanished) and old outcomes are dropped. */
  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      const stale = entry.outcome ? now - entry.outcome.at > OUTCOME_TTL_MS : entry.expiresAt <= now;
      if (stale) this.#entries.delete(key);
    }
  }
}
