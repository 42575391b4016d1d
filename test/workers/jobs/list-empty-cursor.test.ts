import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { jobsClient } from './api-client.ts';

let admin: ReturnType<typeof jobsClient>;
let tenant: ReturnType<typeof jobsClient>;

beforeAll(async () => {
  admin = jobsClient(await seedKey({ scopes: ['admin'], tenant: 'ops' }));
  tenant = jobsClient(
    await seedKey({ scopes: ['jobs'], tenant: `empty-cursor-${crypto.randomUUID().slice(0, 8)}` }),
  );
});

describe('a job listing given an empty cursor', () => {
  it.each([
    ['the dead letter', () => admin, '/admin/jobs/dead-letter?cursor='],
    ["a tenant's jobs", () => tenant, '/v1/jobs?cursor='],
  ])('refuses it for %s rather than answering the first page again', async (_, client, path) => {
    const res = await client().call(path);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: 'cursor may not be empty; leave it out for the first page.',
        type: 'invalid_request_error',
        param: 'cursor',
        code: 'invalid_cursor',
      },
    });
  });

  it('still answers the first page without one', async () => {
    expect((await admin.call('/admin/jobs/dead-letter?limit=1')).status).toBe(200);
    expect((await tenant.call('/v1/jobs')).status).toBe(200);
  });
});
