import type { Lease, LeaseRelease } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import type { Env } from '../env.ts';
import type { AdmissionRequest, Admitted } from './admission.ts';
import { once } from './once.ts';
import { canHoldRelease, configKey, heldReleases, sendReleases } from './pool-releases.ts';

/** The block of slots this isolate may fill itself, per pool (see PoolAdmission). */
interface SlotBlock {
  lease: Lease;
  configKey: string;
  slots: number;
  busy: number;
  /** New requests may start on the block until then (isolate clock). */
  openUntil: number;
  /** An origin failure ended it early: the breaker decides again. */
  failed: boolean;
  served: number;
  /** Successes not yet reported: they leave with the next call to the pool or at the window's end. */
  outcomes: LeaseRelease[];
}

/** Successes reported in one call once this many are pending. */
const OUTCOMES_PER_CALL = 64;

export function takeBlockOutcomes(pool: string): LeaseRelease[] {
  const block = blocks.get(pool);
  if (!block || block.outcomes.length === 0) return [];
  const items = block.outcomes;
  block.outcomes = [];
  return items;
}

const blocks = new Map<string, SlotBlock>();

export function openBlock(
  env: Env,
  pool: PoolConfig,
  lease: Lease,
  waitUntil: AdmissionRequest['waitUntil'] & {},
) {
  const spec = lease.block!;
  const block: SlotBlock = {
    lease,
    configKey: configKey(pool),
    slots: spec.slots,
    busy: 0,
    openUntil: Date.now() + spec.useForMs,
    failed: false,
    served: 0,
    outcomes: [],
  };
  blocks.set(pool.name, block);
  // When the window ends, the idle slots go back at once; busy ones follow as their requests end.
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, spec.useForMs)).then(() => {
      if (blocks.get(pool.name) === block) blocks.delete(pool.name);
      const items: LeaseRelease[] = [...block.outcomes, { leaseId: lease.id, keepSlots: block.busy }];
      block.outcomes = [];
      return sendReleases(env, pool)(items).catch(() => {});
    }),
  );
  return useBlock(env, pool, block);
}

export function fromBlock(env: Env, pool: PoolConfig, req: AdmissionRequest): Admitted | undefined {
  const block = blocks.get(pool.name);
  if (!block || block.failed || block.busy >= block.slots || req.affinityKey !== undefined) return undefined;
  if (Date.now() >= block.openUntil || block.configKey !== configKey(pool)) return undefined;
  if (req.avoid.includes(block.lease.originId)) return undefined;
  return useBlock(env, pool, block);
}

function useBlock(env: Env, pool: PoolConfig, block: SlotBlock): Admitted {
  block.busy++;
  const { originId, url, expiresAt } = block.lease;
  const lease: Lease = { id: `${block.lease.id}#${++block.served}`, originId, url, expiresAt };
  return {
    lease,
    release: once(async (outcome) => {
      block.busy--;
      if (outcome.kind === 'failure' || outcome.kind === 'backoff') block.failed = true;
      const open = !block.failed && Date.now() < block.openUntil;
      const item: LeaseRelease = {
        leaseId: block.lease.id,
        outcome,
        keepSlots: open ? block.slots : block.busy,
      };
      if (!canHoldRelease(lease, outcome)) {
        if (blocks.get(pool.name) === block && block.failed) blocks.delete(pool.name);
        return env.ENGINE_POOL.getByName(pool.name).releaseMany([item]);
      }
      if (!open || blocks.get(pool.name) !== block) {
        return heldReleases.add(pool.name, item, sendReleases(env, pool));
      }
      // While the block is open, a success needs no timer of its own: it rides along later.
      block.outcomes.push(item);
      if (block.outcomes.length < OUTCOMES_PER_CALL) return;
      const items = block.outcomes;
      block.outcomes = [];
      return sendReleases(env, pool)(items);
    }),
  };
}
