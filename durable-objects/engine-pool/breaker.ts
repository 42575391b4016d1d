import type { BreakerConfig } from '../../schemas/config.ts';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

/** What the breaker learns from one finished attempt. */
export type BreakerSignal = 'success' | 'failure' | 'neutral';

/** Persisted form: enough to resume after eviction without forgetting a deadline. */
export interface BreakerSnapshot {
  state: BreakerState;
  /** Trips in a row without a close in between (drives the cooldown backoff). */
  trips: number;
  /** OPEN: when half-open may start. */
  reopenAt: number;
  /** The origin asked to be left alone until then (429/503 with Retry-After). */
  backoffUntil: number;
  openedAt: number;
  lastReason: string;
}

const BUCKETS = 10;
/** Longest Retry-After honoured as a back-off, so a bogus header cannot park an origin for days. */
const MAX_BACKOFF_MS = 10 * 60_000;
/** A back-off whose origin named no length. */
export const DEFAULT_BACKOFF_MS = 1000;

/**
 * One origin's circuit. CLOSED opens on consecutive failures or on a failure rate over a sliding
 * window (bucketed, O(1) per outcome) once enough requests were seen; OPEN becomes HALF_OPEN when its
 * cooldown has passed (`tick`); HALF_OPEN lets a bounded number of trial requests through and closes
 * after enough of them succeed, or re-opens with a doubled cooldown on the first failure. ISOLATED is
 * an operator's hold that only `reset` lifts. Pure: every call takes the time.
 */
export class Breaker {
  #config: BreakerConfig;
  #s: BreakerSnapshot;
  #consecutive = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  readonly #ok = new Array<number>(BUCKETS).fill(0);
  readonly #bad = new Array<number>(BUCKETS).fill(0);
  readonly #epoch = new Array<number>(BUCKETS).fill(-1);
  /** Bumped on every persisted change, so the shell writes storage only when needed. */
  version = 0;

  constructor(config: BreakerConfig, snapshot?: BreakerSnapshot) {
    this.#config = config;
    this.#s = snapshot
      ? { ...snapshot }
      : { state: 'closed', trips: 0, reopenAt: 0, backoffUntil: 0, openedAt: 0, lastReason: '' };
  }

  get state(): BreakerState {
    return this.#s.state;
  }

  /** When the circuit last opened: it names the half-open spell that follows, whose trials decide it. */
  get openedAt(): number {
    return this.#s.openedAt;
  }

  get probesInFlight(): number {
    return this.#probesInFlight;
  }

  configure(config: BreakerConfig): void {
    this.#config = config;
  }

  snapshot(): BreakerSnapshot {
    return { ...this.#s };
  }

  /** Failure count and total over the window (for visibility). */
  window(now: number): { requests: number; failures: number } {
    let requests = 0;
    let failures = 0;
    const current = this.#bucket(now);
    for (let i = 0; i < BUCKETS; i++) {
      if (current - this.#epoch[i]! >= BUCKETS) continue;
      requests += this.#ok[i]! + this.#bad[i]!;
      failures += this.#bad[i]!;
    }
    return { requests, failures };
  }

  /** OPEN → HALF_OPEN once the cooldown is over. Returns true when the state changed. */
  tick(now: number): boolean {
    if (this.#s.state !== 'open' || now < this.#s.reopenAt) return false;
    this.#s.state = 'half_open';
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.version++;
    return true;
  }

  /** The next time something changes by itself (for the alarm), or undefined. */
  nextDeadline(now: number): number | undefined {
    const times: number[] = [];
    if (this.#s.state === 'open') times.push(this.#s.reopenAt);
    if (this.#s.backoffUntil > now) times.push(this.#s.backoffUntil);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Whether a request may be sent now; `probe` says it would be a half-open trial. */
  admits(now: number): { ok: boolean; probe: boolean } {
    this.tick(now);
    if (this.#s.backoffUntil > now) return { ok: false, probe: false };
    if (this.#s.state === 'closed') return { ok: true, probe: false };
    if (this.#s.state === 'half_open')
      return { ok: this.#probesInFlight < this.#config.halfOpenProbes, probe: true };
    return { ok: false, probe: false };
  }

  /** A half-open trial was handed out. */
  startProbe(): void {
    this.#probesInFlight++;
  }

  /** When the origin is next worth asking (open cooldown or back-off), for an honest Retry-After. */
  availableAt(now: number): number {
    let at = now;
    if (this.#s.state === 'open') at = Math.max(at, this.#s.reopenAt);
    if (this.#s.backoffUntil > now) at = Math.max(at, this.#s.backoffUntil);
    return at;
  }

  /** Record how an attempt ended. `probe`: it was a half-open trial. Returns true on a state change. */
  record(signal: BreakerSignal, now: number, probe = false, reason = ''): boolean {
    if (probe && this.#probesInFlight > 0) this.#probesInFlight--;
    if (signal === 'neutral') return false;
    this.#count(signal, now);
    const state = this.#s.state;
    if (signal === 'success') {
      this.#consecutive = 0;
      if (state === 'half_open' && probe) {
        this.#probeSuccesses++;
        if (this.#probeSuccesses >= this.#config.successesToClose) return this.#close();
      }
      return false;
    }
    this.#consecutive++;
    // Only a trial decides a half-open circuit: a request sent before the trip proves nothing now.
    if (state === 'half_open') return probe ? this.#open(now, reason || 'trial request failed') : false;
    if (state !== 'closed') return false;
    if (this.#consecutive >= this.#config.consecutiveFailures)
      return this.#open(now, reason || `${this.#consecutive} consecutive failures`);
    const w = this.window(now);
    if (w.requests >= this.#config.minRequests && w.failures / w.requests >= this.#config.failureRate)
      return this.#open(now, reason || `failure rate ${w.failures}/${w.requests}`);
    return false;
  }

  /**
   * The origin asked to be left alone for a while: not broken, just skipped until then. A length that
   * is not a number gets the default one (NaN would be a deadline that never ends nor can be stored).
   */
  backoff(retryAfterMs: number, now: number): void {
    const ms = Number.isNaN(retryAfterMs) ? DEFAULT_BACKOFF_MS : retryAfterMs;
    const until = now + Math.min(Math.max(0, ms), MAX_BACKOFF_MS);
    if (until <= this.#s.backoffUntil) return;
    this.#s.backoffUntil = until;
    this.version++;
  }

  isolate(now: number, reason = 'isolated by an operator'): void {
    this.#s = { ...this.#s, state: 'isolated', openedAt: now, reopenAt: 0, lastReason: reason };
    this.#probesInFlight = 0;
    this.version++;
  }

  reset(): void {
    this.#s = { state: 'closed', trips: 0, reopenAt: 0, backoffUntil: 0, openedAt: 0, lastReason: '' };
    this.#consecutive = 0;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#ok.fill(0);
    this.#bad.fill(0);
    this.#epoch.fill(-1);
    this.version++;
  }

  #open(now: number, reason: string): boolean {
    this.#s.trips++;
    const cooldown = Math.min(
      this.#config.maxCooldownMs,
      this.#config.cooldownMs * 2 ** Math.min(this.#s.trips - 1, 20),
    );
    this.#s = { ...this.#s, state: 'open', openedAt: now, reopenAt: now + cooldown, lastReason: reason };
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.version++;
    return true;
  }

  #close(): boolean {
    this.#s = { ...this.#s, state: 'closed', trips: 0, reopenAt: 0, lastReason: '' };
    this.#consecutive = 0;
    this.#probeSuccesses = 0;
    // A fresh window: failures from before the trip must not re-open a recovered origin at once.
    this.#ok.fill(0);
    this.#bad.fill(0);
    this.#epoch.fill(-1);
    this.version++;
    return true;
  }

  #bucket(now: number): number {
    return Math.floor(now / Math.max(1, Math.floor(this.#config.windowMs / BUCKETS)));
  }

  #count(signal: 'success' | 'failure', now: number): void {
    const b = this.#bucket(now);
    const i = b % BUCKETS;
    if (this.#epoch[i] !== b) {
      this.#epoch[i] = b;
      this.#ok[i] = 0;
      this.#bad[i] = 0;
    }
    if (signal === 'success') this.#ok[i]!++;
    else this.#bad[i]!++;
  }
}
