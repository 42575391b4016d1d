import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { shardCall } from '../../../workers/jobs/shard-call.ts';

const failing = (err: unknown) => () => Promise.reject(err);

describe('shardCall', () => {
  it('answers what the shard answers', async () => {
    expect(await shardCall(async () => 7)).toBe(7);
  });

  it.each([
    ['retryable', Object.assign(new Error('Network connection lost.'), { retryable: true })],
    ['overloaded', Object.assign(new Error('Durable Object is overloaded.'), { overloaded: true })],
  ])('turns a %s shard failure into a 503 to retry', async (_mark, err) => {
    const thrown = await shardCall(failing(err)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(EcoError);
    expect(thrown).toMatchObject({ status: 503, code: 'job_queue_unavailable', retryAfterMs: 1000 });
  });

  it('leaves other failures and the API’s own errors as they are', async () => {
    const plain = new Error('no such table: jobs');
    expect(await shardCall(failing(plain)).catch((e: unknown) => e)).toBe(plain);
    const own = new EcoError(400, 'invalid_cursor', 'bad');
    expect(await shardCall(failing(own)).catch((e: unknown) => e)).toBe(own);
    const marked = Object.assign(new EcoError(404, 'job_not_found', 'x'), { retryable: true });
    expect(await shardCall(failing(marked)).catch((e: unknown) => e)).toBe(marked);
  });
});
