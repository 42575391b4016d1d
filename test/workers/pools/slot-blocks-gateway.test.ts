import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { admit } from '../../../workers/dispatch/admission.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { chatAnswer, chatAs, seedVllmPool, waitFor } from '../identity/helpers.ts';

const HOST = 'blocks-origin.test';
const pool = () =>
  (env.ENGINE_POOL as unknown as DurableObjectNamespace<EnginePool>).getByName('blocks-pool');
const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };

beforeAll(() => seedVllmPool('blocks-pool', 'b1', HOST, 'blocks-model', 256));

describe('slot and limiter blocks through the gateway', () => {
  it('serves most requests without a pool or limiter round trip, and gives every slot back after the window', async () => {
    mockOrigin(HOST, () => chatAnswer('ok', usage));
    const limits = { requestsPerMinute: 100_000, tokensPerMinute: 100_000_000, maxConcurrent: 1000 };
    const key = await seedKey({ id: 'key_blocks', limits });
    const before = (await pool().state()).admissions.granted ?? 0;
    for (let i = 0; i < 20; i++) expect((await chatAs(key, 'blocks-model')).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 10 }, () => chatAs(key, 'blocks-model')));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    // Every answer still carries the key's limit headers, counted down across the block.
    const remaining = burst.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests')));
    expect(new Set(remaining).size).toBe(10);
    expect(Math.max(...remaining)).toBeLessThan(100_000);

    const state = await pool().state();
    expect(state.admissions.blocks).toBeGreaterThanOrEqual(1);
    expect((state.admissions.granted ?? 0) - before).toBeLessThan(10);
    // Once the windows end, nothing stays held: not a pool slot, not a limiter slot.
    await waitFor(async () => (await pool().state()).inFlight === 0, 5000);
    await waitFor(async () => (await limiter('key_blocks').inspect()).inFlight === 0, 5000);
    // And the key is charged exactly what the 30 requests used.
    expect((await limiter('key_blocks').inspect()).dayUsed).toBe(30 * usage.total_tokens);
    const origin = (await pool().state()).origins[0]!;
    await waitFor(async () => ((await pool().state()).origins[0]!.outcomes.success ?? 0) >= 30, 3000);
    expect(origin.id).toBe('b1');
  });

  it('an origin failure on a block reaches the breaker at once and ends the block', async () => {
    const key = await seedKey({ limits: { requestsPerMinute: 100_000 } });
    mockOrigin(HOST, () => chatAnswer('ok', usage));
    expect((await chatAs(key, 'blocks-model')).status).toBe(200);
    const failuresBefore = (await pool().state()).origins[0]!.outcomes.failure ?? 0;
    const grantedBefore = (await pool().state()).admissions.granted ?? 0;
    mockOrigin(HOST, () => new Response('boom', { status: 500 }));
    const failed = await chatAs(key, 'blocks-model');
    expect(failed.status).toBe(502);
    // Both attempts' failures are on record when the client has its answer: nothing waits for a batch.
    expect((await pool().state()).origins[0]!.outcomes.failure).toBe(failuresBefore + 2);
    mockOrigin(HOST, () => chatAnswer('ok', usage));
    expect((await chatAs(key, 'blocks-model')).status).toBe(200);
    // The failed block is not used again: the next request asked the pool object.
    expect((await pool().state()).admissions.granted).toBeGreaterThan(grantedBefore);
  });
});

describe('slot blocks held by one isolate', () => {
  const config = PoolConfig.parse({
    name: 'blocks-admit',
    protocol: 'vllm',
    origins: [{ id: 'a', url: 'http://blocks-admit.test', capacity: 256 }],
  });
  const base = { tenant: 't', priority: 'normal' as const, avoid: [] as string[] };
  const state = () => env.ENGINE_POOL.getByName('blocks-admit').state();
  const waitUntil = (p: Promise<unknown>) => void p.catch(() => {});

  it('a full block gets a sibling rather than a replacement; every slot returns when the windows end', async () => {
    const grantedBefore = (await state()).admissions.granted ?? 0;
    const held = [];
    for (let i = 0; i < 17; i++)
      held.push(await admit(env, config, { ...base, requestId: `hold-${i}`, waitUntil }));
    // Two blocks of 16: the first is full (all 16 busy), the second has 1 busy and 15 idle.
    await vi.waitFor(async () => expect((await state()).inFlight).toBe(32));
    expect((await state()).admissions.granted).toBe(grantedBefore + 2);
    for (const h of held) await h.release({ kind: 'success', latencyMs: 1 });
    // Both stay open for their windows: the next 32 requests need no round trip.
    const again = [];
    for (let i = 0; i < 32; i++)
      again.push(await admit(env, config, { ...base, requestId: `again-${i}`, waitUntil }));
    expect((await state()).admissions.granted).toBe(grantedBefore + 2);
    for (const h of again) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await state()).inFlight).toBe(0), { timeout: 3000 });
    // And all 49 successes reached the origin's record.
    await vi.waitFor(async () => expect((await state()).origins[0]!.outcomes.success).toBe(49));
  });

  it('successes still count when they arrive after their block has given every slot back', async () => {
    const first = await admit(env, config, { ...base, requestId: 'late-1', waitUntil });
    const second = await admit(env, config, { ...base, requestId: 'late-2', waitUntil });
    const before = (await state()).origins[0]!.outcomes.failure ?? 0;
    // A failure ends the block; the other request's success comes after its slot went back.
    await first.release({ kind: 'failure', status: 502 });
    await second.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => {
      const o = (await state()).origins[0]!;
      expect(o.outcomes.failure).toBe(before + 1);
      expect((await state()).inFlight).toBe(0);
    });
    await vi.waitFor(async () => expect((await state()).origins[0]!.outcomes.success).toBe(50));
  });
});

describe('several slot blocks in one isolate', () => {
  const base = { tenant: 't', priority: 'normal' as const, avoid: [] as string[] };
  const waitUntil = (p: Promise<unknown>) => void p.catch(() => {});
  const poolOf = (name: string) =>
    PoolConfig.parse({
      name,
      protocol: 'vllm',
      origins: [{ id: 'a', url: `http://${name}.test`, capacity: 1024 }],
    });
  const stateOf = (name: string) => env.ENGINE_POOL.getByName(name).state();
  const admitMany = async (config: PoolConfig, n: number, tag: string) => {
    const held = [];
    for (let i = 0; i < n; i++)
      held.push(await admit(env, config, { ...base, requestId: `${tag}-${i}`, waitUntil }));
    return held;
  };

  it('holds at most four open blocks: a fifth closes the oldest, which keeps only its busy slots', async () => {
    const config = poolOf('blocks-cap');
    const held = await admitMany(config, 65, 'cap');
    // Five blocks of 16 were granted; all 80 slots are still held, the oldest's by its 16 running requests.
    await vi.waitFor(async () => expect((await stateOf('blocks-cap')).inFlight).toBe(80));
    expect((await stateOf('blocks-cap')).admissions.blocks).toBe(5);
    // Each request of the closed block gives its slot back as it ends, without waiting for a window.
    for (const h of held.slice(0, 16)) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await stateOf('blocks-cap')).inFlight).toBe(64));
    for (const h of held.slice(16)) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await stateOf('blocks-cap')).inFlight).toBe(0), { timeout: 3000 });
  });

  it('a failure on one block closes the other blocks on that origin at once', async () => {
    const config = poolOf('blocks-siblings');
    const held = await admitMany(config, 17, 'sib');
    for (const h of held.slice(0, 8)) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await stateOf('blocks-siblings')).inFlight).toBe(32));
    const granted = (await stateOf('blocks-siblings')).admissions.granted ?? 0;
    // The second block's request fails: both blocks stop, and only the 8 running requests keep slots.
    await held[16]!.release({ kind: 'failure', status: 502 });
    await vi.waitFor(async () => expect((await stateOf('blocks-siblings')).inFlight).toBe(8));
    // The first block had room, but the next request asks the pool object again.
    const next = await admit(env, config, { ...base, requestId: 'sib-next', waitUntil });
    expect((await stateOf('blocks-siblings')).admissions.granted).toBe(granted + 1);
    for (const h of [...held.slice(8, 16), next]) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await stateOf('blocks-siblings')).inFlight).toBe(0), {
      timeout: 3000,
    });
  });

  it("a block's later failures do not end blocks granted after it failed", async () => {
    const config = poolOf('blocks-late');
    const [first, second] = await admitMany(config, 2, 'late');
    await first!.release({ kind: 'failure', status: 502 });
    // The failed block is gone: this request brings a new block from the pool object.
    const third = await admit(env, config, { ...base, requestId: 'late-3', waitUntil });
    const granted = (await stateOf('blocks-late')).admissions.granted ?? 0;
    // The failed block's other request ends too (the client left): the new block stays open.
    await second!.release({ kind: 'aborted' });
    const fourth = await admit(env, config, { ...base, requestId: 'late-4', waitUntil });
    expect((await stateOf('blocks-late')).admissions.granted).toBe(granted);
    for (const h of [third, fourth]) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await stateOf('blocks-late')).inFlight).toBe(0), { timeout: 3000 });
  });

  it('nor do later failures in the blocks a failure closed with it', async () => {
    const config = poolOf('blocks-sibling-late');
    // Two blocks on the one origin: the first full, the second with one request.
    const held = await admitMany(config, 17, 'sl');
    await held[0]!.release({ kind: 'failure', status: 502 });
    const fresh = await admit(env, config, { ...base, requestId: 'sl-fresh', waitUntil });
    const granted = (await stateOf('blocks-sibling-late')).admissions.granted ?? 0;
    // The request of the block closed with the first fails too: the block granted since stays open.
    await held[16]!.release({ kind: 'failure', status: 502 });
    const after = await admit(env, config, { ...base, requestId: 'sl-after', waitUntil });
    expect((await stateOf('blocks-sibling-late')).admissions.granted).toBe(granted);
    for (const h of [...held.slice(1, 16), fresh, after]) await h.release({ kind: 'success', latencyMs: 1 });
    await vi.waitFor(async () => expect((await stateOf('blocks-sibling-late')).inFlight).toBe(0), {
      timeout: 3000,
    });
  });
});
