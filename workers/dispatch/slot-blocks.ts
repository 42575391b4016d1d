import type { Lease, LeaseRelease } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import { configKey } from '../data/config-stamp.ts';
import type { Env } from '../env.ts';
import type { AdmissionRequest, Admitted } from './admission.ts';
import { once } from './once.ts';
import { canHoldRelease, heldReleases, sendReleases } from './pool-releases.ts';

/** The block of slots this isolate may fill itself, per pool (see PoolAdmission). */
interface SlotBlock {
  pool: PoolConfig;
  lease: Lease;
  configKey: string;
  slots: number;
  busy: number;
  /** New requests may start on the block until then (isolate clock). */
  openUntil: number;
  /** An origin failure ended it early: the breaker decides again. */
  failed: boolean;
  served: number;
  /** Successes not yet reported: they leave with the next call to the pool or when the block closes. */
  outcomes: LeaseRelease[];
  closed: boolean;
  /** Reports to the block's pool object (one closure per block, not per request). */
  send: (items: LeaseRelease[]) => Promise<void>;
  /** `send` through `sendOrRequeue`, for the held reports of a closed block (also one per block). */
  sendHeld: (items: LeaseRelease[]) => Promise<void>;
}

/** Successes reported in one call once this many are pending. */
const OUTCOMES_PER_CALL = 64;

/**
 * Open blocks an isolate may hold per pool. More than one, because under load a block fills while the
 * call for the next is under way: the requests that arrive meanwhile each bring a block back, and
 * closing all but the newest would throw their slots away and send the next requests to the pool
 * object again. Bounded, so an isolate never holds more than this many blocks' idle slots.
 */
const MAX_OPEN_BLOCKS = 4;

const blocks = new Map<string, SlotBlock[]>();

/** The open blocks' pending successes, to ride along with a call to their pool made anyway. */
export function takeBlockOutcomes(pool: string): LeaseRelease[] {
  const open = blocks.get(pool);
  if (!open) return [];
  let items: LeaseRelease[] = [];
  for (const block of open) {
    if (block.outcomes.length === 0) continue;
    items = items.length === 0 ? block.outcomes : items.concat(block.outcomes);
    block.outcomes = [];
  }
  return items;
}

function forget(block: SlotBlock): void {
  const open = blocks.get(block.pool.name);
  const at = open?.indexOf(block) ?? -1;
  if (at < 0) return;
  open!.splice(at, 1);
  if (open!.length === 0) blocks.delete(block.pool.name);
}

const isOpen = (block: SlotBlock) => !block.failed && Date.now() < block.openUntil;

/** A report to send again later: a block's slot count is idempotent, its outcomes are not. */
export const resendable = (item: LeaseRelease): LeaseRelease =>
  item.keepSlots === undefined ? item : { leaseId: item.leaseId, keepSlots: item.keepSlots };

/** Reports already sent again once: a second failure leaves them to their lease's expiry. */
const retried = new WeakSet<LeaseRelease>();

/**
 * Send `items` now; if that fails, what can safely go again rides along with the next call. Each
 * report goes again once, whatever batch it then shares: a batch that holds a report retried before
 * and a fresh one fails for both, and only the fresh one goes yet again.
 */
export async function sendOrRequeue(
  pool: string,
  send: (items: LeaseRelease[]) => Promise<void>,
  items: LeaseRelease[],
): Promise<void> {
  try {
    await send(items);
  } catch (err) {
    await requeueReports(pool, send, items, err);
  }
}

/**
 * Reports whose call failed with `err` (a batch of their own, or riding along with an `acquire`):
 * what can safely go again rides along with the next call, once (see `sendOrRequeue`).
 */
export async function requeueReports(
  pool: string,
  send: (items: LeaseRelease[]) => Promise<void>,
  items: LeaseRelease[],
  err: unknown,
): Promise<void> {
  const again = items.filter((item) => !retried.has(item)).map(resendable);
  if (again.length < items.length) console.warn(`pool '${pool}' reports failed twice`, err);
  if (again.length === 0) return;
  console.warn(`pool '${pool}' report failed; it rides along with the next call`, err);
  for (const item of again) retried.add(item);
  const resend = (batch: LeaseRelease[]) => sendOrRequeue(pool, send, batch);
  await Promise.all(again.map((item) => heldReleases.add(pool, item, resend)));
}

/**
 * Report a failure (or any outcome that must not wait) at once, after every success of the pool
 * still pending in this isolate, so the breaker sees them in the order they happened.
 */
export function reportNow(
  pool: string,
  send: (items: LeaseRelease[]) => Promise<void>,
  item: LeaseRelease,
  before: LeaseRelease[] = [],
): Promise<void> {
  const pending = [...heldReleases.take(pool), ...takeBlockOutcomes(pool), ...before];
  return sendOrRequeue(pool, send, [...pending, item]);
}

/**
 * Stop admitting into `block`: its pending successes and its idle slots go back now (busy ones follow as
 * their requests end). A report that cannot be sent waits for the next call to the pool instead of
 * leaving the slots held until the lease expires.
 */
function closeBlock(block: SlotBlock): Promise<void> {
  block.closed = true;
  block.openUntil = Math.min(block.openUntil, Date.now());
  forget(block);
  const items: LeaseRelease[] = [...block.outcomes, { leaseId: block.lease.id, keepSlots: block.busy }];
  block.outcomes = [];
  return sendOrRequeue(block.pool.name, block.send, items);
}

export function openBlock(
  env: Env,
  pool: PoolConfig,
  lease: Lease,
  waitUntil: AdmissionRequest['waitUntil'] & {},
) {
  const spec = lease.block!;
  const key = configKey(pool);
  // Blocks of an older config close at once, and so does the oldest when the isolate holds its most.
  // A copy: closing a block takes it out of the list being read.
  const open = [...(blocks.get(pool.name) ?? [])].filter((b) => {
    if (b.configKey === key) return true;
    waitUntil(closeBlock(b));
    return false;
  });
  if (open.length >= MAX_OPEN_BLOCKS) waitUntil(closeBlock(open.shift()!));
  const send = sendReleases(env, pool);
  const block: SlotBlock = {
    pool,
    lease,
    configKey: key,
    slots: spec.slots,
    busy: 0,
    openUntil: Date.now() + spec.useForMs,
    failed: false,
    served: 0,
    outcomes: [],
    closed: false,
    send,
    sendHeld: (items) => sendOrRequeue(pool.name, send, items),
  };
  open.push(block);
  blocks.set(pool.name, open);
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, spec.useForMs)).then(() =>
      block.closed || block.failed ? undefined : closeBlock(block),
    ),
  );
  return useBlock(block);
}

/** A slot from the open block with the most room (so load spreads over their origins), if any. */
export function fromBlock(pool: PoolConfig, req: AdmissionRequest): Admitted | undefined {
  const open = blocks.get(pool.name);
  if (!open || req.affinityKey !== undefined) return undefined;
  let best: SlotBlock | undefined;
  let key: string | undefined;
  for (const block of open) {
    if (!isOpen(block) || block.busy >= block.slots || req.avoid.includes(block.lease.originId)) continue;
    key ??= configKey(pool);
    if (block.configKey !== key) continue;
    if (!best || block.slots - block.busy > best.slots - best.busy) best = block;
  }
  return best && useBlock(best);
}

function useBlock(block: SlotBlock): Admitted {
  block.busy++;
  const { originId, url, expiresAt } = block.lease;
  const lease: Lease = { id: `${block.lease.id}#${++block.served}`, originId, url, expiresAt };
  const send = block.send;
  return {
    lease,
    release: once(async (outcome) => {
      block.busy--;
      // Only the release that fails the block ends its siblings; later ones of the block do not.
      const failsBlock = !block.failed && (outcome.kind === 'failure' || outcome.kind === 'backoff');
      if (failsBlock) block.failed = true;
      const open = isOpen(block);
      const item: LeaseRelease = {
        leaseId: block.lease.id,
        outcome,
        keepSlots: open ? block.slots : block.busy,
        originId,
        url,
      };
      if (!canHoldRelease(lease, outcome)) {
        const own = block.outcomes;
        block.outcomes = [];
        if (!failsBlock) return reportNow(block.pool.name, send, item, own);
        forget(block);
        // Other blocks on the same origin stop too: the breaker decides about it again.
        const siblings = (blocks.get(block.pool.name) ?? []).filter((b) => b.lease.originId === originId);
        // Failed with it: their own later failures are this one's, not news to end newer blocks with.
        for (const sibling of siblings) sibling.failed = true;
        // The report is made first: it takes the siblings' pending successes, which came before.
        const reported = reportNow(block.pool.name, send, item, own);
        await Promise.all([reported, ...siblings.map(closeBlock)]);
        return;
      }
      // A closed block's last report frees its lease: a failed batch must not leave that to the TTL.
      if (!open) return heldReleases.add(block.pool.name, item, block.sendHeld);
      // While the block is open, a success needs no timer of its own: it rides along later.
      block.outcomes.push(item);
      if (block.outcomes.length < OUTCOMES_PER_CALL) return;
      const items = block.outcomes;
      block.outcomes = [];
      return send(items);
    }),
  };
}
