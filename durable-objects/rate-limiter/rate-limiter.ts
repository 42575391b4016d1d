import { DurableObject } from 'cloudflare:workers';
import {
  emptyState,
  heldSlots,
  type LimiterState,
  type Reservation,
  renew,
  reserve,
  settle,
  snapshot,
  sweepExpired,
} from './limiter-core.ts';
import type { LimiterLimits, LimiterSnapshot, ReserveRequest, ReserveResult, SettleEntry } from './types.ts';

const FLUSH_MS = 200;

/**
 * One per API key, JWT subject or IM chat (named by that id). Requests and tokens per minute,
 * concurrency and daily/monthly budgets, decided atomically here; the logic is in limiter-core.ts,
 * this shell keeps it in memory and in SQLite so it survives eviction.
 */
export class RateLimiter extends DurableObject {
  readonly #sql: SqlStorage;
  readonly #state: LimiterState;
  #dirty = false;
  /** Reservations changed since the last flush (see #persist). */
  readonly #touched = new Set<string>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS limiter_state (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, tokens INTEGER NOT NULL,
        bucket_charge INTEGER NOT NULL, expires_at INTEGER NOT NULL);`);
    // Blocks (several requests in one reservation) came later: older objects gain their columns.
    const columns = new Set(
      this.#sql
        .exec<{ name: string }>('PRAGMA table_info(reservations)')
        .toArray()
        .map((c) => c.name),
    );
    for (const column of ['requests', 'granted', 'charged', 'size', 'refunded'])
      if (!columns.has(column)) this.#sql.exec(`ALTER TABLE reservations ADD COLUMN ${column} INTEGER`);
    this.#state = emptyState();
    const row = this.#sql.exec<{ body: string }>('SELECT body FROM limiter_state WHERE id = 1').toArray()[0];
    if (row) Object.assign(this.#state, JSON.parse(row.body), { reservations: this.#state.reservations });
    for (const r of this.#sql
      .exec<{
        id: string;
        tokens: number;
        bucket_charge: number;
        expires_at: number;
        requests: number | null;
        granted: number | null;
        charged: number | null;
        size: number | null;
        refunded: number | null;
      }>('SELECT * FROM reservations')
      .toArray()) {
      this.#state.reservations.set(r.id, {
        id: r.id,
        tokens: r.tokens,
        bucketCharge: r.bucket_charge,
        expiresAt: r.expires_at,
        ...(r.requests === null ? {} : { requests: r.requests }),
        ...(r.granted === null ? {} : { granted: r.granted }),
        ...(r.charged === null ? {} : { charged: r.charged }),
        ...(r.size === null ? {} : { size: r.size }),
        ...(r.refunded === null ? {} : { refunded: r.refunded }),
      });
    }
  }

  /**
   * Write-behind: the ids of changed reservations are collected and written at most every FLUSH_MS,
   * not per request. At the flush each is written as it then stands (upserted if still held, deleted
   * if gone), so any sequence of changes in a window ends in the right row. A crash loses at most that
   * window: reservations that would expire anyway, and a sliver of budget usage.
   */
  #persist(removed: string[], written: Reservation[] = []): void {
    for (const id of removed) this.#touched.add(id);
    for (const r of written) this.#touched.add(r.id);
    this.#dirty = true;
    this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#flushTimer = undefined;
    if (!this.#dirty) return;
    this.#dirty = false;
    const { reservations: _r, ...rest } = this.#state;
    this.#sql.exec(
      'INSERT INTO limiter_state (id, body) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body',
      JSON.stringify(rest),
    );
    for (const id of this.#touched) {
      const r = this.#state.reservations.get(id);
      if (!r) {
        this.#sql.exec('DELETE FROM reservations WHERE id = ?', id);
        continue;
      }
      this.#sql.exec(
        'INSERT OR REPLACE INTO reservations (id, tokens, bucket_charge, expires_at, requests, granted, charged, size, refunded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        r.id,
        r.tokens,
        r.bucketCharge,
        r.expiresAt,
        r.requests ?? null,
        r.granted ?? null,
        r.charged ?? null,
        r.size ?? null,
        r.refunded ?? null,
      );
    }
    this.#touched.clear();
  }

  reserve(req: ReserveRequest): ReserveResult {
    const now = Date.now();
    const removed = sweepExpired(this.#state, now);
    // Settles the caller held back free their tokens and slots before this request is decided.
    const written = req.settles ? this.#settleAll(req.settles, now, removed) : [];
    const result = reserve(this.#state, req, now);
    const added = result.ok ? this.#state.reservations.get(req.reservationId) : undefined;
    this.#persist(removed, added ? [...written, added] : written);
    return result;
  }

  settle(reservationId: string, usedTokens: number | null, limits: LimiterLimits): LimiterSnapshot {
    const now = Date.now();
    const removed = sweepExpired(this.#state, now);
    if (settle(this.#state, reservationId, usedTokens, limits, now) === 'removed')
      removed.push(reservationId);
    this.#persist(removed);
    return snapshot(this.#state, limits);
  }

  /**
   * Keep reservations of requests still running from expiring (see `renew`). `settles` are applied
   * first: a closed block renewed with its running totals shrinks to what it still holds even if the
   * settle that said so was lost.
   */
  renew(reservationIds: string[], ttlMs: number, settles: SettleEntry[] = []): void {
    const now = Date.now();
    const removed = sweepExpired(this.#state, now);
    const kept = this.#settleAll(settles, now, removed);
    this.#persist(removed, [...kept, ...renew(this.#state, reservationIds, ttlMs, now)]);
  }

  /** Settle a batch of reservations a caller held back (see `settle`). */
  settleMany(settles: SettleEntry[]): void {
    const now = Date.now();
    const removed = sweepExpired(this.#state, now);
    this.#persist(removed, this.#settleAll(settles, now, removed));
  }

  /** Apply settles; returns the reservations that remain, changed (blocks told to keep part). */
  #settleAll(settles: SettleEntry[], now: number, removed: string[]): Reservation[] {
    const kept: Reservation[] = [];
    for (const s of settles) {
      const block = {
        ...(s.requestsUsed === undefined ? {} : { requestsUsed: s.requestsUsed }),
        ...(s.keep === undefined ? {} : { keep: s.keep }),
        ...(s.refundedRequests === undefined ? {} : { refundedRequests: s.refundedRequests }),
      };
      const result = settle(this.#state, s.reservationId, s.usedTokens, s.limits, now, block);
      if (result === 'removed') removed.push(s.reservationId);
      if (result === 'kept') kept.push(this.#state.reservations.get(s.reservationId)!);
    }
    return kept;
  }

  /** In-flight reservations and budget usage, for tests and admin views. */
  inspect(): { inFlight: number; dayUsed: number; monthUsed: number } {
    this.#flush();
    return {
      inFlight: heldSlots(this.#state),
      dayUsed: this.#state.day?.used ?? 0,
      monthUsed: this.#state.month?.used ?? 0,
    };
  }
}
