import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { chatAs, seedVllmPool } from './helpers.ts';

const HOST = 'limit-headers-origin.test';

beforeAll(() => seedVllmPool('limit-headers-pool', 'lh1', HOST, 'limit-headers-model'));

describe('rate-limit headers on failures after admission', () => {
  it('an origin failure answered as 502 still tells the client where its limits stand (JSON and stream)', async () => {
    mockOrigin(HOST, () => new Response('engine exploded', { status: 500 }));
    const key = await seedKey({ limits: { requestsPerMinute: 50, tokensPerMinute: 100_000 } });
    for (const stream of [false, true]) {
      const res = await chatAs(key, 'limit-headers-model', 'hi', { stream });
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('50');
      expect(Number(res.headers.get('x-ratelimit-remaining-requests'))).toBeLessThan(50);
      expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('100000');
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('server_error');
    }
  });
});
