import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { SCOPES } from '../../../workers/principal.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { checkSchema, refResolver } from './json-schema-check.ts';
import { fetchDocument, type OpenApiDocument } from './openapi-doc.ts';

// Real answers of the app, checked against the document's schema for their operation and status; every
// field an answer carries must be documented too (`strict`).

const ORIGIN = 'oa-answers.test';
let document: OpenApiDocument;
let key: string;

beforeAll(async () => {
  document = await fetchDocument();
  key = await seedKey({ scopes: [...SCOPES], tenant: `oa-${crypto.randomUUID().slice(0, 8)}` });
  await seedPool(
    {
      name: 'oa-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'oa-model',
  );
});

function call(method: string, path: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`http://gw${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** How `res` differs from what the document says `method template` answers with its status. */
async function mismatches(method: string, template: string, res: Response): Promise<string[]> {
  const operation = document.paths[template]?.[method];
  if (!operation) return [`${method} ${template} is not documented`];
  const response = operation.responses[String(res.status)];
  if (!response) return [`status ${res.status} is not documented (${await res.text()})`];
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const schema = response.content?.[type]?.schema;
  if (!schema) return [`no schema for ${type} at ${res.status}`];
  return checkSchema(await res.json(), schema, refResolver(document), '$', { strict: true });
}

async function expectDocumented(method: string, template: string, res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(await mismatches(method, template, res)).toEqual([]);
}

describe('answers match the document', () => {
  it('GET /v1/models', async () => {
    await expectDocumented('get', '/v1/models', await call('GET', '/v1/models'), 200);
  });

  it('GET /v1/models/{model}, found and not', async () => {
    await expectDocumented('get', '/v1/models/{model}', await call('GET', '/v1/models/oa-model'), 200);
    await expectDocumented('get', '/v1/models/{model}', await call('GET', '/v1/models/oa/none'), 404);
  });

  it('POST /v1/chat/completions (not streamed) and its errors', async () => {
    mockOrigin(ORIGIN, () => chatAnswer('hello'));
    const path = '/v1/chat/completions';
    const messages = [{ role: 'user', content: 'hi' }];
    await expectDocumented('post', path, await call('POST', path, { model: 'oa-model', messages }), 200);
    await expectDocumented('post', path, await call('POST', path, { model: 'oa-model' }), 400);
    await expectDocumented('post', path, await call('POST', path, { model: 'oa-none', messages }), 404);
  });

  it('GET /v1/usage and GET /admin/usage', async () => {
    await expectDocumented('get', '/v1/usage', await call('GET', '/v1/usage'), 200);
    await expectDocumented('get', '/admin/usage', await call('GET', '/admin/usage'), 200);
    await expectDocumented('get', '/admin/usage', await call('GET', '/admin/usage?group_by=key'), 200);
  });

  it('GET /admin/pools/{name}, valid and stored invalid', async () => {
    await expectDocumented('get', '/admin/pools/{name}', await call('GET', '/admin/pools/oa-pool'), 200);
    await env.DB.prepare('INSERT INTO pools (name, protocol, config, updated_at) VALUES (?, ?, ?, ?)')
      .bind('oa-bad-pool', 'vllm', JSON.stringify({ name: 'oa-bad-pool', protocol: 'vllm', origins: [] }), 1)
      .run();
    invalidateRegistry();
    const res = await call('GET', '/admin/pools/oa-bad-pool');
    await expectDocumented('get', '/admin/pools/{name}', res.clone(), 200);
    expect(((await res.json()) as { problems?: string[] }).problems?.length).toBeGreaterThan(0);
  });

  it('GET /admin/models/{id}, valid and stored invalid', async () => {
    await expectDocumented('get', '/admin/models/{id}', await call('GET', '/admin/models/oa-model'), 200);
    await env.DB.prepare(
      `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES ('oa-bad-model', '[]', 'test', '[]', '["chat"]', 8192, 0)`,
    ).run();
    invalidateRegistry();
    await expectDocumented('get', '/admin/models/{id}', await call('GET', '/admin/models/oa-bad-model'), 200);
    await expectDocumented('get', '/admin/models', await call('GET', '/admin/models'), 200);
  });

  it('POST /admin/keys/{id}/revoke names the bots it stops', async () => {
    const created = await call('POST', '/admin/keys', {
      name: 'oa-revoked',
      tenant: 'oa',
      scopes: ['inference'],
    });
    await expectDocumented('post', '/admin/keys', created.clone(), 201);
    const { id } = (await created.json()) as { id: string };
    const path = '/admin/keys/{id}/revoke';
    await expectDocumented('post', path, await call('POST', `/admin/keys/${id}/revoke`), 200);
  });

  it('POST /v1/jobs and GET /v1/jobs', { timeout: 15_000 }, async () => {
    mockOrigin(ORIGIN, () => chatAnswer('done'));
    const job = { type: 'chat', request: { model: 'oa-model', messages: [{ role: 'user', content: 'hi' }] } };
    const submitted = await call('POST', '/v1/jobs', job);
    await expectDocumented('post', '/v1/jobs', submitted.clone(), 202);
    const { id } = (await submitted.json()) as { id: string };
    // Until it has succeeded (result, usage and attempts filled in): the queue runs it in the background.
    await vi.waitFor(
      async () => {
        const { status } = (await (await call('GET', `/v1/jobs/${id}`)).json()) as { status: string };
        expect(status).toBe('succeeded');
      },
      { timeout: 10_000, interval: 30 },
    );
    await expectDocumented('get', '/v1/jobs/{id}', await call('GET', `/v1/jobs/${id}`), 200);
    await expectDocumented('get', '/v1/jobs', await call('GET', '/v1/jobs'), 200);
  });

  it('an error answer of an admin route', async () => {
    await expectDocumented('get', '/admin/keys/{id}', await call('GET', '/admin/keys/key_none'), 404);
  });
});
