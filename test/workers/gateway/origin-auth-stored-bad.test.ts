import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callWithVars } from '../identity/helpers.ts';

let key: string;
let originCalls = 0;

// Stored directly, as a pool written before its auth header was checked on write would be.
beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'bad-auth-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://bad-auth-origin.test', capacity: 8, weight: 1 }],
      auth: { header: 'X Api Key', secret: 'BAD_AUTH_POOL_KEY' },
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 },
    },
    'bad-auth-model',
  );
  mockOrigin('bad-auth-origin.test', () => {
    originCalls++;
    return chatAnswer('hi');
  });
});

function post(stream: boolean) {
  return callWithVars({ BAD_AUTH_POOL_KEY: 'bad-auth-pool-key' }, '/v1/chat/completions', key, {
    method: 'POST',
    body: { model: 'bad-auth-model', stream, messages: [{ role: 'user', content: 'x' }] },
  });
}

afterEach(() => vi.restoreAllMocks());

describe('a stored pool whose origin auth header the runtime refuses', () => {
  it.each([false, true])(
    'answers 502 origin_misconfigured, not a crash, and logs it (stream: %s)',
    async (stream) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const res = await post(stream);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect({ status: res.status, code: body.error.code, type: body.error.type }).toEqual({
        status: 502,
        code: 'origin_misconfigured',
        type: 'server_error',
      });
      expect(originCalls).toBe(0);
      // The operator learns of it from the log, streamed or not.
      const lines = logged.mock.calls.map((args) => String(args[0]));
      expect(lines.filter((line) => line.includes('"code":"origin_misconfigured"'))).toHaveLength(1);
    },
  );
});
