import { env, exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// An engine that ignores `dimensions` is found out only by its answer: the request goes on to the next
// pool of the model's chain, as it would for a parameter refused before asking, not back as a 400.

let key = '';
const calls = { ignoring: 0, honouring: 0 };

const answer = (length: number) =>
  Response.json({
    object: 'list',
    model: 'm',
    data: [{ object: 'embedding', index: 0, embedding: Array.from({ length }, (_, i) => i / 10) }],
    usage: { prompt_tokens: 1, total_tokens: 1 },
  });

beforeAll(async () => {
  key = await seedKey({ scopes: ['inference'] });
  for (const name of ['edf-ignoring', 'edf-honouring'])
    await seedPool({
      name,
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${name}.test`, capacity: 4, weight: 1 }],
    });
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at)
     VALUES ('edf-model', '[]', 'test', ?, '["embedding"]', 8192, 0)
     ON CONFLICT(id) DO UPDATE SET routes = excluded.routes`,
  )
    .bind(
      JSON.stringify([
        { pool: 'edf-ignoring', engineModel: 'e' },
        { pool: 'edf-honouring', engineModel: 'e' },
      ]),
    )
    .run();
  invalidateRegistry();
});

// Origin mocks last one test each.
beforeEach(() => {
  mockOrigin('edf-ignoring.test', () => {
    calls.ignoring++;
    return answer(8);
  });
  mockOrigin('edf-honouring.test', () => {
    calls.honouring++;
    return answer(4);
  });
});

const embed = (body: Record<string, unknown>) =>
  exports.default.fetch('http://gw/v1/embeddings', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'edf-model', input: 'x', ...body }),
  });

describe('embeddings whose first pool ignores dimensions', () => {
  it('are answered by the next pool of the chain, with vectors of the length asked', async () => {
    const res = await embed({ dimensions: 4 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { embedding: number[] }[] };
    expect(body.data[0]!.embedding).toHaveLength(4);
    expect(calls).toEqual({ ignoring: 1, honouring: 1 });
  });

  it('are refused with 400 unsupported_parameter when no pool of the chain honours it', async () => {
    const res = await embed({ dimensions: 3 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: object }).error).toMatchObject({
      code: 'unsupported_parameter',
      param: 'dimensions',
    });
  });

  it("an origin's own 400 unsupported_parameter is the answer as it is, not passed to the next pool", async () => {
    mockOrigin('edf-ignoring.test', () => {
      calls.ignoring++;
      return Response.json(
        {
          error: { message: 'no such option', type: 'invalid_request_error', code: 'unsupported_parameter' },
        },
        { status: 400 },
      );
    });
    const before = { ...calls };
    const res = await embed({ dimensions: 4 });
    expect(res.status).toBe(400);
    expect(calls).toEqual({ ignoring: before.ignoring + 1, honouring: before.honouring });
  });
});
