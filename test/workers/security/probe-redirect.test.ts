import { describe, expect, it } from 'vitest';
import { probePool } from '../../../durable-objects/engine-pool/health-probes.ts';
import { adapterFor } from '../../../origins/registry.ts';
import { PoolConfig } from '../../../schemas/config.ts';

const config = PoolConfig.parse({
  name: 'probe-redirect',
  protocol: 'vllm',
  origins: [{ id: 'o1', url: 'http://o1.test' }],
});

describe('health probes', () => {
  it("never follow an origin's redirect, which would carry the pool's credential elsewhere", async () => {
    const modes: (string | undefined)[] = [];
    const results = await probePool(config, adapterFor('vllm')!, {
      fetch: async (_input, init) => {
        modes.push(init?.redirect);
        return new Response(null, { status: 302, headers: { location: 'http://elsewhere.test/health' } });
      },
      now: () => 0,
      authHeaders: { authorization: 'Bearer pool-secret' },
    });
    expect(modes).toEqual(['manual']);
    // A redirect is not an engine answering its health endpoint.
    expect(results.get('o1')?.state).not.toBe('ready');
  });
});
