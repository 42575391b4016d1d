import { describe, expect, it } from 'vitest';
import pullStream from '../../../../shared/fixtures/engines/ollama.pull.stream.ndjson.txt?raw';
import { ModelPulls } from '../../../durable-objects/engine-pool/model-pulls.ts';
import { adapterFor } from '../../../origins/registry.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import type { Admitted } from '../../../workers/dispatch/admission.ts';
import type { AttemptContext } from '../../../workers/dispatch/attempts.ts';
import { pullMissingModel } from '../../../workers/dispatch/model-pull.ts';
import type { Env } from '../../../workers/env.ts';
import { ServerTiming } from '../../../workers/http/server-timing.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';

// The pool object only coordinates a model pull (who pulls, who waits). When it does not answer, the
// request pulls by itself: the failure is not the origin's, and must not fail the request or count
// against the origin's breaker.

const HOST = 'mpof-origin.test';
const pool = PoolConfig.parse({
  name: 'mpof',
  protocol: 'ollama',
  origins: [{ id: 'o1', url: `http://${HOST}` }],
  options: { pullTimeoutMs: 5_000 },
});
const adapter = adapterFor('ollama')!;
const missing = '{"error":"model \\"llama3:latest\\" not found, try pulling it first"}';
const lost = () => Object.assign(new Error('Network connection lost.'), { retryable: true });

type Stub = Record<
  'beginModelPull' | 'modelPullStatus' | 'endModelPull',
  (...args: unknown[]) => Promise<unknown>
>;

function pullWith(stub: Stub, requestId: string) {
  const env = { ENGINE_POOL: { getByName: () => stub } } as unknown as Env;
  const admitted: Admitted = {
    lease: { id: 'l1', originId: 'o1', url: `http://${HOST}`, expiresAt: 0 },
    release: async () => {},
  };
  const ctx: AttemptContext = {
    env,
    requestId,
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
    requestId,
    created: 1,
  };
  return pullMissingModel({ pool, adapter, engineModel: 'llama3:latest' }, admitted, call, ctx, 404, missing);
}

function pullingOrigin(): string[] {
  const pulled: string[] = [];
  mockOrigin(HOST, async (req) => {
    pulled.push(new URL(req.url).pathname);
    return new Response(pullStream, { headers: { 'content-type': 'application/x-ndjson' } });
  });
  return pulled;
}

describe('a model pull whose pool object does not answer', () => {
  it('is pulled by the request itself, and its end is best effort', async () => {
    const pulled = pullingOrigin();
    const stub: Stub = {
      beginModelPull: async () => {
        throw lost();
      },
      modelPullStatus: async () => {
        throw lost();
      },
      endModelPull: async () => {
        throw lost();
      },
    };
    expect(await pullWith(stub, 'mpof-r1')).toBe(true);
    expect(pulled).toEqual(['/api/pull']);
  });

  it('while waiting on another request’s pull: the waiter asks to lead again', async () => {
    const pulled = pullingOrigin();
    let begins = 0;
    const ends: unknown[][] = [];
    const stub: Stub = {
      beginModelPull: async () =>
        ++begins === 1
          ? { leader: false, leaderRequestId: 'other', startedAt: 0, expiresAt: 0 }
          : { leader: true },
      modelPullStatus: async () => {
        throw lost();
      },
      endModelPull: async (...args) => {
        ends.push(args);
      },
    };
    expect(await pullWith(stub, 'mpof-r2')).toBe(true);
    expect(begins).toBe(2);
    expect(pulled).toEqual(['/api/pull']);
    // The end names its leader, so that it cannot end a pull another request has taken over.
    expect(ends).toEqual([['o1', 'llama3:latest', true, undefined, 'mpof-r2']]);
  });
});

describe('a pull leader whose pull outlived its time', () => {
  it('cannot end or overwrite the pull of the request that took over', () => {
    const pulls = new ModelPulls();
    expect(pulls.begin('o1', 'm', 'stale', 10, 0).leader).toBe(true);
    // The first pull's time is up: another request leads now.
    expect(pulls.begin('o1', 'm', 'fresh', 1000, 20).leader).toBe(true);
    pulls.finish('o1', 'm', false, 'pull failed', 30, 'stale');
    expect(pulls.status('o1', 'm', 31)).toMatchObject({ state: 'pulling', leader: 'fresh' });
    pulls.finish('o1', 'm', false, undefined, 32, 'stale');
    expect(pulls.status('o1', 'm', 33)).toMatchObject({ state: 'pulling', leader: 'fresh' });
    pulls.finish('o1', 'm', true, undefined, 40, 'fresh');
    expect(pulls.status('o1', 'm', 41)).toMatchObject({ state: 'done' });
  });
});
