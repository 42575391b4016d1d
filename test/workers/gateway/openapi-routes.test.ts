import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/app.ts';
import { SCOPES } from '../../../workers/principal.ts';
import { seedKey } from '../helpers/seed.ts';
import { fetchDocument, operations } from './openapi-doc.ts';

// Every route the app serves is in the document, and everything in the document is served; a route left
// out of the document may only be one that refuses the method (405).

/** A Hono route path as an OpenAPI template: `:model{.+}` and `:id` become `{model}` and `{id}`. */
function template(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
}

/** A concrete path for `honoPath`: each parameter is `x`, or the first value its pattern lists. */
function samplePath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, (_, _name: string, pattern?: string) => {
    const choices = pattern ? /^\{([\w-]+)(?:\|[\w-]+)*\}$/.exec(pattern) : null;
    return choices ? choices[1]! : 'x';
  });
}

/** `METHOD /path`: how operations of the app and of the document are compared. */
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

let adminKey: string;
/** `METHOD /template` → a concrete path the app routes there. */
const served = new Map<string, string>();
let documented: Set<string>;

beforeAll(async () => {
  adminKey = await seedKey({ scopes: [...SCOPES] });
  for (const route of createApp().routes) {
    // `app.use` middleware is registered for every method under a wildcard; it serves nothing itself.
    // OPTIONS on every path only lists the methods it takes (Allow).
    if (route.method === 'ALL' || route.method === 'OPTIONS') continue;
    served.set(key(route.method, template(route.path)), samplePath(route.path));
  }
  documented = new Set(operations(await fetchDocument()).map(([method, path]) => key(method, path)));
});

/** One request to `path` as an admin, with a body no route accepts, so that nothing is written. */
async function probe(method: string, path: string): Promise<{ status: number; code: string | null }> {
  const res = await exports.default.fetch(`http://gw${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: 'not json' }),
  });
  const body = res.headers.get('content-type')?.startsWith('application/json')
    ? ((await res.json()) as { error?: { code?: string | null } })
    : {};
  return { status: res.status, code: body.error?.code ?? null };
}

describe('routes and the OpenAPI document', () => {
  it('documents every route that does more than refuse the method', async () => {
    const undocumented: string[] = [];
    for (const [route, path] of served) {
      if (documented.has(route)) continue;
      const method = route.split(' ')[0]!;
      const answer = await probe(method, path);
      if (answer.status !== 405 || answer.code !== 'method_not_allowed')
        undocumented.push(`${route} (answered ${answer.status})`);
    }
    expect(undocumented).toEqual([]);
  });

  it('serves every documented operation at its templated path', async () => {
    const unserved: string[] = [];
    for (const operation of documented) {
      const path = served.get(operation);
      if (path === undefined) {
        unserved.push(`${operation} (no route)`);
        continue;
      }
      const answer = await probe(operation.split(' ')[0]!, path);
      if (answer.code === 'not_found' || answer.code === 'method_not_allowed')
        unserved.push(`${operation} (answered ${answer.status} ${answer.code})`);
    }
    expect(unserved).toEqual([]);
  });

  it('writes path parameters as OpenAPI templates, never as Hono patterns', () => {
    expect([...documented].filter((op) => /[:*]|\{[^}]*[^\w}][^}]*\}/.test(op.split(' ')[1]!))).toEqual([]);
  });
});
