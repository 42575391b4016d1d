import { describe, expect, it } from 'vitest';
import { probePool } from '../../../durable-objects/engine-pool/health-probes.ts';
import { adapterFor } from '../../../origins/registry.ts';
import { PoolConfig } from '../../../schemas/config.ts';

const config = PoolConfig.parse({
  name: 'probe',
  protocol: 'vllm',
  origins: [{ id: 'o1', url: 'http://o1.test' }],
});
const adapter = adapterFor('vllm')!;
const CHUNK = 64 * 1024;

/** A body of `chunks` × 64 KB that counts how much of it was pulled. */
function endless(chunks: number, line: string): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const bytes = new TextEncoder().encode(line.repeat(Math.ceil(CHUNK / line.length)).slice(0, CHUNK));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= chunks) return controller.close();
      pulled++;
      controller.enqueue(bytes);
    },
  });
  return { body, pulled: () => pulled };
}

describe('health probes', () => {
  it('stops reading a huge answer at the probe body limit instead of buffering all of it', async () => {
    const health = endless(256, 'ok\n'); // 16 MB
    const metrics = endless(256, '# junk that is not a metric at all\n');
    const results = await probePool(config, adapter, {
      fetch: async (input) =>
        new Response(String(input).endsWith('/health') ? health.body : metrics.body, { status: 200 }),
      now: () => 0,
      authHeaders: {},
    });
    expect(results.get('o1')?.state).toBe('ready');
    expect(results.get('o1')?.metrics).toEqual({});
    expect(health.pulled()).toBeLessThanOrEqual(8);
    expect(metrics.pulled()).toBeLessThanOrEqual(8);
  });

  it('drops load figures no engine can report (negative counts, utilisation outside 0..1)', async () => {
    const text = [
      'vllm:num_requests_running 3',
      'vllm:num_requests_waiting -1e9',
      'vllm:kv_cache_usage_perc -5',
    ].join('\n');
    const results = await probePool(config, adapter, {
      fetch: async (input) => new Response(String(input).endsWith('/metrics') ? text : '', { status: 200 }),
      now: () => 0,
      authHeaders: {},
    });
    expect(results.get('o1')?.metrics).toEqual({ running: 3 });
  });
});
