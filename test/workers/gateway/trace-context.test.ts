import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// W3C Trace Context: a traceparent that does not parse is ignored, never passed on to the origin.

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'trace-pool',
      protocol: 'vllm',
      origins: [{ id: 't1', url: 'http://trace-origin.test', capacity: 8, weight: 1 }],
    },
    'trace-model',
  );
});

async function originSees(traceparent: string): Promise<string | null> {
  let seen: string | null = null;
  mockOrigin('trace-origin.test', (req) => {
    seen = req.headers.get('traceparent');
    return chatAnswer();
  });
  const res = await exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', traceparent },
    body: JSON.stringify({ model: 'trace-model', messages: [{ role: 'user', content: 'x' }] }),
  });
  expect(res.status).toBe(200);
  return seen;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('traceparent propagation', () => {
  it.each([
    ['junk', 'junk'],
    ['no flags', `00-${TRACE}-${PARENT}`],
    ['uppercase hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${TRACE}-${PARENT}-01`],
    ['extra fields in version 00', `00-${TRACE}-${PARENT}-01-extra`],
    ['a huge value', `01-${TRACE}-${PARENT}-01-${'x'.repeat(4096)}`],
  ])('drops one with %s', async (_, traceparent) => {
    expect(await originSees(traceparent)).toBeNull();
  });

  it('passes on a valid one as it came', async () => {
    expect(await originSees(`00-${TRACE}-${PARENT}-01`)).toBe(`00-${TRACE}-${PARENT}-01`);
  });

  it('passes on a later version in version 00 form', async () => {
    expect(await originSees(`cc-${TRACE}-${PARENT}-00-future`)).toBe(`00-${TRACE}-${PARENT}-00`);
  });
});
