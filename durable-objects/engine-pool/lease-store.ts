import type { LeaseTable } from './lease-table.ts';
import type { PoolCore } from './pool-core.ts';
import { readLeases, writeLeases } from './pool-tables.ts';

/** The most lease changes wait before they are stored (see `storeSoon`). */
const LEASE_STORE_EVERY_MS = 100;
/**
 * How far a restarted object moves lease ids past the stored sequence: more grants than one store
 * window can hold, so ids granted but not yet stored before a crash are not made again either.
 */
const LEASE_SEQ_GAP = 1_000_000;

/**
 * Keeps the pool object's lease table in SQLite, so that a restarted object still counts the
 * requests running, and lease ids never repeat. `table` is the live table: the object swaps its core
 * when the pool is deleted.
 */
export class LeaseStore {
  readonly #storage: DurableObjectStorage;
  readonly #table: () => LeaseTable;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Writes that failed since the object started (each is tried again in the next window). */
  failures = 0;

  constructor(storage: DurableObjectStorage, table: () => LeaseTable) {
    this.#storage = storage;
    this.#table = table;
  }

  /** The object started: the leases stored before back into `core`, its ids past theirs. */
  restore(core: PoolCore): void {
    const stored = readLeases(this.#storage.sql);
    core.restoreLeases(stored.leases, stored.seq === undefined ? 0 : stored.seq + LEASE_SEQ_GAP);
    this.store(true);
  }

  /** The pool was deleted: `fresh` starts empty, yet its ids go on past `old`'s, which late releases may name. */
  carryOn(old: PoolCore, fresh: PoolCore): void {
    fresh.restoreLeases([], old.leases.seq + LEASE_SEQ_GAP);
    this.store(true);
  }

  /**
   * Write the lease table's changes with the id sequence, in one transaction (`force`: the sequence
   * even without lease changes).
   */
  store(force = false): void {
    const table = this.#table();
    const changes = table.takeChanges();
    if (!changes && !force) return;
    try {
      // One transaction: a write that fails leaves nothing half stored.
      this.#storage.transactionSync(() => writeLeases(this.#storage.sql, table.seq, changes));
    } catch (err) {
      // Kept for the next window instead of lost: a forgotten grant would let the pool overshoot.
      if (changes) table.keepChanges(changes);
      this.failures++;
      console.error('engine pool: lease store failed', String(err));
      this.storeSoon();
    }
  }

  /**
   * Lease changes are stored at most LEASE_STORE_EVERY_MS after they happen, in one transaction: a
   * commit per admission would cost the object most of its admissions per second. A restart thus
   * forgets at most that window's grants (and still counts its releases as busy until their TTL).
   */
  storeSoon(): void {
    if (this.#timer !== undefined || !this.#table().hasChanges) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.store();
    }, LEASE_STORE_EVERY_MS);
  }
}
