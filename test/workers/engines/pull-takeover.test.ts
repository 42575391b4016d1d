import { describe, expect, it } from 'vitest';
import pullStream from '../../../../shared/fixtures/engines/ollama.pull.stream.ndjson.txt?raw';
import { adapterFor } from '../../../origins/registry.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import type { Admitted } from '../../../workers/dispatch/admission.ts';
import type { AttemptContext } from '../../../workers/dispatch/attempts.ts';
import { pullMissingModel } from '../../../workers/dispatch/model-pull.ts';
import type { Env } from '../../../workers/env.ts';
import { ServerTiming } from '../../../workers/http/server-timing.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';

// The origin slot a pulling request holds is leased for one pull limit (lease-run.ts). A request that
// waited on another's pull and then takes it over, because the leader vanished, has only the rest of
// that limit: a full limit of its own would keep using the slot after its lease ran out.

const LIMIT_MS = 5_000;
const pool = PoolConfig.parse({
  name: 'pull-takeover',
  protocol: 'ollama',
  origins: [{ id: 'o1', url: 'http://pull-takeover.test' }],
  options: { pullTimeoutMs: LIMIT_MS },
});
const adapter = adapterFor('ollama')!;

/** A pool object whose pull has a leader that vanishes after the first poll. */
function vanishingLeader() {
  const begins: number[] = [];
  const ends: boolean[] = [];
  let polls = 0;
  const stub = {
    async beginModelPull(_origin: string, _model: string, ttlMs: number) {
      begins.push(ttlMs);
      return begins.length === 1
        ? { leader: false, leaderRequestId: 'gone', startedAt: 0, expiresAt: 0 }
        : { leader: true };
    },
    async modelPullStatus() {
      polls++;
      return { state: 'none' };
    },
    async endModelPull(_origin: string, _model: string, ok: boolean) {
      ends.push(ok);
    },
  };
  const env = { ENGINE_POOL: { getByName: () => stub } } as unknown as Env;
  return { env, begins, ends, polls: () => polls };
}

describe('a request that takes over a vanished leader’s model pull', () => {
  it('leads it with what is left of its own limit, not a fresh one', async () => {
    const pulled: string[] = [];
    mockOrigin('pull-takeover.test', async (req) => {
      pulled.push(new URL(req.url).pathname);
      return new Response(pullStream, { headers: { 'content-type': 'application/x-ndjson' } });
    });
    const { env, begins, ends, polls } = vanishingLeader();
    const admitted: Admitted = {
      lease: { id: 'l1', originId: 'o1', url: 'http://pull-takeover.test', expiresAt: 0 },
      release: async () => {},
    };
    const ctx: AttemptContext = {
      env,
      requestId: 'r1',
      tenant: 't',
      priority: 'normal',
      clientSignal: new AbortController().signal,
      timing: new ServerTiming(),
      waitUntil: () => {},
    };
    const call = {
      engineModel: 'llama3:latest',
      clientModel: 'llama3',
      stream: false,
      includeUsage: false,
      pool,
      requestId: 'r1',
      created: 1,
    };
    const missing = '{"error":"model \\"llama3:latest\\" not found, try pulling it first"}';
    const target = { pool, adapter, engineModel: 'llama3:latest' };

    expect(await pullMissingModel(target, admitted, call, ctx, 404, missing)).toBe(true);
    expect(polls()).toBe(1);
    expect(pulled).toEqual(['/api/pull']);
    expect(ends).toEqual([true]);
    expect(begins).toHaveLength(2);
    expect(begins[0]).toBe(LIMIT_MS);
    // At least one poll interval (250 ms) went by waiting on the leader that vanished.
    expect(begins[1]).toBeLessThanOrEqual(LIMIT_MS - 250);
    expect(begins[1]).toBeGreaterThan(0);
  });
});
