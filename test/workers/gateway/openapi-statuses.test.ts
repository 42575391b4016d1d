import { beforeAll, describe, expect, it } from 'vitest';
import { fetchDocument, type OpenApiDocument, operations } from './openapi-doc.ts';

// Each operation's documented statuses, exactly: a status a route starts answering, or stops answering,
// changes this table along with the document.

/** What bearer authentication answers on every route behind it (401 refused, 429 throttled, 503 JWKS). */
const AUTH = [401, 429, 503];
/** An admin route: authentication and the admin scope. */
const ADMIN = [...AUTH, 403];
/** A route that reads a body: malformed or invalid (400), too large (413), an unknown Content-Encoding (415). */
const BODY = [400, 413, 415];
const INFERENCE = [200, 400, 401, 403, 404, 413, 415, 429, 502, 503, 504];

const EXPECTED: Record<string, number[]> = {
  'GET /health': [200],
  'GET /ready': [200, 503],
  'GET /openapi.json': [200],
  'GET /docs': [200, 404],
  'GET /metrics': [200, ...AUTH, 403],
  'GET /webhooks/{platform}/{botId}': [200, 403, 404, 405],
  'POST /webhooks/{platform}/{botId}': [200, 400, 401, 404, 413, 503],

  'GET /v1/models': [200, ...AUTH],
  'GET /v1/models/{model}': [200, ...AUTH, 404],
  'POST /v1/chat/completions': INFERENCE,
  'POST /v1/completions': INFERENCE,
  'POST /v1/embeddings': INFERENCE,
  'POST /v1/auth/token': [200, ...AUTH, ...BODY, 403, 500],
  'GET /v1/usage': [200, ...AUTH, 400],
  'POST /v1/governance/validate': [200, ...AUTH, 403, ...BODY],

  'POST /v1/jobs': [202, ...AUTH, ...BODY, 403, 404, 409, 500],
  'GET /v1/jobs': [200, ...AUTH, 400, 403],
  'GET /v1/jobs/callback-secret': [200, ...AUTH, 400, 403],
  'GET /v1/jobs/{id}': [200, ...AUTH, 403, 404],
  'DELETE /v1/jobs/{id}': [200, ...AUTH, 403, 404, 409],

  'GET /admin/usage': [200, ...ADMIN, 400],
  'POST /admin/keys': [201, ...ADMIN, ...BODY],
  'GET /admin/keys': [200, ...ADMIN, 400],
  'GET /admin/keys/{id}': [200, ...ADMIN, 404],
  'PATCH /admin/keys/{id}': [200, ...ADMIN, ...BODY, 404, 409],
  'POST /admin/keys/{id}/rotate': [200, ...ADMIN, ...BODY, 404, 409],
  'POST /admin/keys/{id}/revoke': [200, ...ADMIN, 404],
  'DELETE /admin/keys/{id}': [200, ...ADMIN, 404, 409],

  'GET /admin/pools': [200, ...ADMIN],
  'POST /admin/pools': [200, 201, ...ADMIN, ...BODY, 412],
  'GET /admin/pools/{name}': [200, ...ADMIN, 404],
  'PATCH /admin/pools/{name}': [200, ...ADMIN, ...BODY, 404, 409, 412],
  'DELETE /admin/pools/{name}': [200, ...ADMIN, 400, 404, 409, 412],
  'POST /admin/pools/{name}/origins/{id}/{action}': [200, ...ADMIN, 404, 409],

  'GET /admin/models': [200, ...ADMIN],
  'POST /admin/models': [201, ...ADMIN, ...BODY, 409],
  'GET /admin/models/{id}': [200, ...ADMIN, 404],
  'PATCH /admin/models/{id}': [200, ...ADMIN, ...BODY, 404, 409, 412],
  'DELETE /admin/models/{id}': [200, ...ADMIN, 400, 404, 409, 412],

  'GET /admin/bots': [200, ...ADMIN],
  'POST /admin/bots': [200, 201, ...ADMIN, ...BODY, 409],
  'GET /admin/bots/{platform}/{id}': [200, ...ADMIN, 404],
  'PATCH /admin/bots/{platform}/{id}': [200, ...ADMIN, ...BODY, 404, 409],
  'DELETE /admin/bots/{platform}/{id}': [200, ...ADMIN, 404],

  'GET /admin/jobs/dead-letter': [200, ...ADMIN, 400],
  'POST /admin/jobs/{id}/replay': [202, ...ADMIN, 404, 409],
};

let document: OpenApiDocument;
let documented: Map<string, string[]>;

beforeAll(async () => {
  document = await fetchDocument();
  documented = new Map(
    operations(document).map(([method, path, op]) => [
      `${method.toUpperCase()} ${path}`,
      Object.keys(op.responses).sort(),
    ]),
  );
});

const sorted = (statuses: number[]) => [...new Set(statuses.map(String))].sort();

describe('documented statuses', () => {
  it('has an expected list for every operation of the document', () => {
    expect([...documented.keys()].filter((op) => !(op in EXPECTED))).toEqual([]);
  });

  it.each(Object.entries(EXPECTED))('%s lists exactly %j', (operation, statuses) => {
    expect(documented.get(operation)).toEqual(sorted(statuses));
  });

  it('describes every 4xx and 5xx with the OpenAI error object', () => {
    // A failed readiness check answers its report, which names the failing dependency.
    const plain: string[] = [];
    for (const [method, path, op] of operations(document))
      for (const [status, response] of Object.entries(op.responses)) {
        const ref = (response.content?.['application/json']?.schema as { $ref?: string } | undefined)?.$ref;
        if (Number(status) >= 400 && ref !== '#/components/schemas/Error')
          plain.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    expect(plain).toEqual(['GET /ready 503']);
  });
});
