import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantCallbackSecret } from '../../../durable-objects/job-queue/tenant-callback-secret.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, callWithVars, expectError, signTestJwt } from '../identity/helpers.ts';

// Each tenant verifies its job callbacks with a secret of its own, derived from ECO_JOB_CALLBACK_SECRET:
// holding it lets no tenant sign a callback another tenant's receiver would accept.
const suffix = crypto.randomUUID().slice(0, 8);
const TENANT_A = `cbsecret-a-${suffix}`;
const TENANT_B = `cbsecret-b-${suffix}`;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  keyA = await seedKey({ scopes: ['jobs'], tenant: TENANT_A });
  keyB = await seedKey({ scopes: ['jobs', 'inference'], tenant: TENANT_B });
});

type Answer = { object: string; tenant: string; secret: string };

describe('GET /v1/jobs/callback-secret', () => {
  it("answers the caller's tenant its own secret, never stored by a cache", async () => {
    const res = await call('/v1/jobs/callback-secret', keyA);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Answer;
    expect(body).toEqual({
      object: 'job_callback_secret',
      tenant: TENANT_A,
      secret: await tenantCallbackSecret(env.ECO_JOB_CALLBACK_SECRET as string, TENANT_A),
    });
    expect(body.secret).toMatch(/^ecocb_[0-9a-f]{64}$/);
    expect(body.secret).not.toContain(env.ECO_JOB_CALLBACK_SECRET as string);
  });

  it("gives another tenant another secret, and the same one to each of a tenant's keys", async () => {
    const a = (await (await call('/v1/jobs/callback-secret', keyA)).json()) as Answer;
    const b = (await (await call('/v1/jobs/callback-secret', keyB)).json()) as Answer;
    expect(b.tenant).toBe(TENANT_B);
    expect(b.secret).not.toBe(a.secret);
    const otherKeyOfA = await seedKey({ scopes: ['jobs'], tenant: TENANT_A });
    expect(((await (await call('/v1/jobs/callback-secret', otherKeyOfA)).json()) as Answer).secret).toBe(
      a.secret,
    );
  });

  it('needs the jobs scope', async () => {
    const inferenceOnly = await seedKey({ scopes: ['inference'], tenant: TENANT_A });
    await expectError(await call('/v1/jobs/callback-secret', inferenceOnly), 403, 'insufficient_scope');
    await expectError(await call('/v1/jobs/callback-secret', null), 401, 'missing_api_key');
  });

  it('is given to API keys only: a token exchanged from one, or an identity-provider token, is refused', async () => {
    const exchanged = await call('/v1/auth/token', keyA, { method: 'POST', body: { scopes: ['jobs'] } });
    expect(exchanged.status).toBe(200);
    const { access_token } = (await exchanged.json()) as { access_token: string };
    await expectError(
      await call('/v1/jobs/callback-secret', access_token),
      403,
      'callback_secret_needs_api_key',
    );
    const idpToken = await signTestJwt({ sub: 'cb-user', eco_tenant: TENANT_A, scope: 'jobs' });
    await expectError(await call('/v1/jobs/callback-secret', idpToken), 403, 'callback_secret_needs_api_key');
  });

  it('says callbacks are unavailable while ECO_JOB_CALLBACK_SECRET is unset', async () => {
    const res = await callWithVars({ ECO_JOB_CALLBACK_SECRET: '' }, '/v1/jobs/callback-secret', keyA);
    await expectError(res, 400, 'callbacks_unavailable');
  });

  it('refuses other methods with 405, not as a job id', async () => {
    const res = await call('/v1/jobs/callback-secret', keyA, { method: 'DELETE' });
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    await expectError(res, 405, 'method_not_allowed');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await call('/openapi.json', null)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/jobs/callback-secret');
  });
});
