import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { jobsClient } from './api-client.ts';

let client: ReturnType<typeof jobsClient>;

beforeAll(async () => {
  client = jobsClient(
    await seedKey({ scopes: ['jobs'], tenant: `list-q-${crypto.randomUUID().slice(0, 8)}` }),
  );
});

describe('GET /v1/jobs query parameters', () => {
  it.each([
    ['status=queued&status=failed', 'status'],
    ['status=queued&status=queued', 'status'],
    ['limit=1&limit=100', 'limit'],
    ['cursor=a&cursor=b', 'cursor'],
  ])('refuses a repeated parameter instead of reading its first value (%s)', async (query, param) => {
    const res = await client.call(`/v1/jobs?${query}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: `${param} may be given at most once.`,
        type: 'invalid_request_error',
        param,
        code: `invalid_${param}`,
      },
    });
  });

  it('answers one value of each as before', async () => {
    const res = await client.call('/v1/jobs?status=queued&limit=5');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: 'list', data: [], has_more: false, next_cursor: null });
  });
});
