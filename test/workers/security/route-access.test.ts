import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/app.ts';
import { SCOPES, type Scope } from '../../../workers/principal.ts';
import { seedKey } from '../helpers/seed.ts';

/**
 * Who may call each route. Every operation of the OpenAPI document must be listed here, so a route added
 * without deciding (and enforcing) its access fails this file.
 *
 * - `public`: no credential (probes, the API description);
 * - `platform`: IM webhooks, verified by each platform's signature or verify token, never a bearer key;
 * - `any`: any valid credential, whatever its scopes (each key sees only its own data there);
 * - a list of scopes: a credential needs every one of them (`admin` implies them all).
 */
type Access = 'public' | 'platform' | 'any' | Scope[];

const ADMIN: Scope[] = ['admin'];

const ACCESS: Record<string, Access> = {
  'GET /health': 'public',
  'GET /ready': 'public',
  'GET /openapi.json': 'public',
  'GET /docs': 'public',
  'GET /webhooks/{platform}/{botId}': 'platform',
  'POST /webhooks/{platform}/{botId}': 'platform',
  'GET /metrics': ADMIN,
  'GET /v1/models': 'any',
  'GET /v1/models/{model}': 'any',
  'POST /v1/chat/completions': ['inference'],
  'POST /v1/completions': ['inference'],
  'POST /v1/embeddings': ['inference'],
  'POST /v1/auth/token': 'any',
  'GET /v1/usage': 'any',
  // A job runs later as its key through the inference API, so submitting one needs both scopes.
  'POST /v1/jobs': ['jobs', 'inference'],
  'GET /v1/jobs': ['jobs'],
  'GET /v1/jobs/callback-secret': ['jobs'],
  'GET /v1/jobs/{id}': ['jobs'],
  'DELETE /v1/jobs/{id}': ['jobs'],
  'POST /v1/governance/validate': ['governance'],
  'GET /admin/usage': ADMIN,
  'POST /admin/keys': ADMIN,
  'GET /admin/keys': ADMIN,
  'GET /admin/keys/{id}': ADMIN,
  'PATCH /admin/keys/{id}': ADMIN,
  'DELETE /admin/keys/{id}': ADMIN,
  'POST /admin/keys/{id}/rotate': ADMIN,
  'POST /admin/keys/{id}/revoke': ADMIN,
  'GET /admin/pools': ADMIN,
  'POST /admin/pools': ADMIN,
  'GET /admin/pools/{name}': ADMIN,
  'PATCH /admin/pools/{name}': ADMIN,
  'DELETE /admin/pools/{name}': ADMIN,
  'POST /admin/pools/{name}/origins/{id}/{action}': ADMIN,
  'GET /admin/models': ADMIN,
  'POST /admin/models': ADMIN,
  'GET /admin/models/{id}': ADMIN,
  'PATCH /admin/models/{id}': ADMIN,
  'DELETE /admin/models/{id}': ADMIN,
  'GET /admin/bots': ADMIN,
  'POST /admin/bots': ADMIN,
  'GET /admin/bots/{platform}/{id}': ADMIN,
  'PATCH /admin/bots/{platform}/{id}': ADMIN,
  'DELETE /admin/bots/{platform}/{id}': ADMIN,
  'GET /admin/jobs/dead-letter': ADMIN,
  'POST /admin/jobs/{id}/replay': ADMIN,
};

/** Path parameters: values that exist nowhere, except where the route only matches a fixed word. */
const PARAMS: Record<string, string> = { action: 'reset', platform: 'telegram' };

interface Operation {
  method: string;
  path: string;
  security: unknown;
}

function operations(doc: { paths: Record<string, Record<string, { security?: unknown }>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      security: op.security,
    })),
  );
}

const NON_ADMIN = SCOPES.filter((s) => s !== 'admin');
const keys = new Map<string, string>();

/** A key holding exactly `scopes` (one per distinct set, seeded once). */
async function keyWith(scopes: Scope[]): Promise<string> {
  const name = [...scopes].sort().join(',');
  let key = keys.get(name);
  if (!key) {
    key = await seedKey({ tenant: 'route-access', scopes });
    keys.set(name, key);
  }
  return key;
}

function send(op: Operation, credential: string | null): Promise<Response> {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? 'no-such-thing');
  const headers: Record<string, string> = {};
  if (credential !== null) headers.authorization = `Bearer ${credential}`;
  const hasBody = op.method === 'POST' || op.method === 'PATCH';
  if (hasBody) headers['content-type'] = 'application/json';
  return exports.default.fetch(`http://gw${path}`, {
    method: op.method,
    headers,
    ...(hasBody ? { body: '{}' } : {}),
  });
}

async function outcome(res: Response): Promise<{ status: number; code: string | null }> {
  const text = await res.text();
  try {
    return {
      status: res.status,
      code: (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null,
    };
  } catch {
    return { status: res.status, code: null };
  }
}

let documented: Operation[] = [];

beforeAll(async () => {
  const res = await exports.default.fetch('http://gw/openapi.json');
  documented = operations(await res.json());
});

describe('route access', () => {
  it('lists every documented operation, and documents every routed one', () => {
    const names = documented.map((op) => `${op.method} ${op.path}`);
    expect(names.filter((n) => !(n in ACCESS))).toEqual([]);
    expect(Object.keys(ACCESS).filter((n) => !names.includes(n))).toEqual([]);
    // Routes the app answers all appear in the document. The 405 answers for other methods are
    // registered last, starting with each path's OPTIONS: only what comes before them is a route.
    const all = createApp().routes;
    const firstRefusal = all.findIndex((r) => r.method === 'OPTIONS');
    const routed = new Set(
      all
        .slice(0, firstRefusal === -1 ? all.length : firstRefusal)
        .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`),
    );
    expect([...routed].filter((n) => !(n in ACCESS))).toEqual([]);
  });

  it('documents a bearer credential exactly where one is needed', () => {
    for (const op of documented) {
      const access = ACCESS[`${op.method} ${op.path}`];
      const needsBearer = access !== 'public' && access !== 'platform';
      expect({ op: `${op.method} ${op.path}`, bearer: op.security !== undefined }).toEqual({
        op: `${op.method} ${op.path}`,
        bearer: needsBearer,
      });
    }
  });

  it('refuses every credentialed route without a credential (401) and with an unknown key (401)', async () => {
    const seen: string[] = [];
    for (const op of documented) {
      const access = ACCESS[`${op.method} ${op.path}`]!;
      if (access === 'public' || access === 'platform') continue;
      for (const credential of [null, 'eco_sk_unknown_0123456789abcdefghijklmnopqrstuvwxyzAB']) {
        const { status } = await outcome(await send(op, credential));
        if (status !== 401)
          seen.push(`${op.method} ${op.path} (${credential ? 'unknown key' : 'none'}): ${status}`);
      }
    }
    expect(seen).toEqual([]);
  });

  it('refuses a key lacking any one of the needed scopes with 403 insufficient_scope', async () => {
    const seen: string[] = [];
    for (const op of documented) {
      const access = ACCESS[`${op.method} ${op.path}`]!;
      if (!Array.isArray(access)) continue;
      for (const missing of access) {
        // Every scope but the missing one (and admin, which implies it).
        const key = await keyWith(NON_ADMIN.filter((s) => s !== missing));
        const got = await outcome(await send(op, key));
        if (got.status !== 403 || got.code !== 'insufficient_scope')
          seen.push(`${op.method} ${op.path} without ${missing}: ${got.status} ${got.code}`);
      }
    }
    expect(seen).toEqual([]);
  });

  it('lets the needed scopes (or admin) through: never 401 or 403', async () => {
    const seen: string[] = [];
    for (const op of documented) {
      const access = ACCESS[`${op.method} ${op.path}`]!;
      if (access === 'platform') continue;
      const holders: (string | null)[] =
        access === 'public'
          ? [null]
          : access === 'any'
            ? await Promise.all(NON_ADMIN.map((s) => keyWith([s])))
            : [await keyWith(access), await keyWith(ADMIN)];
      for (const key of holders) {
        const got = await outcome(await send(op, key));
        if (got.status === 401 || got.status === 403)
          seen.push(`${op.method} ${op.path}: ${got.status} ${got.code}`);
      }
    }
    expect(seen).toEqual([]);
  });

  it('never lets a bearer credential stand in for a platform signature', async () => {
    const admin = await keyWith(ADMIN);
    for (const op of documented) {
      if (ACCESS[`${op.method} ${op.path}`] !== 'platform') continue;
      for (const key of [null, admin]) {
        const { status } = await outcome(await send(op, key));
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
      }
    }
  });
});
