import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { callWithVars, expectError, signTestJwt } from './helpers.ts';

// A configuration 500 reaches a caller who cannot fix it; the operator who can reads the Worker's logs.
// Each one is logged once, as one structured line naming the code and the cause (the variable and what
// is wrong with it), never the credential. Ordinary refusals are the caller's business and stay out.

let lines: MockInstance[];

beforeEach(() => {
  lines = [vi.spyOn(console, 'error'), vi.spyOn(console, 'warn'), vi.spyOn(console, 'log')];
  for (const spy of lines) spy.mockImplementation(() => undefined);
});

afterEach(() => vi.restoreAllMocks());

const logged = () => lines.flatMap((spy) => spy.mock.calls.map((args) => args.map(String).join(' ')));

describe('configuration errors', () => {
  it('are logged once per request as a structured line naming the code and the variable', async () => {
    const token = await signTestJwt({ sub: 'log-user' });
    const res = await callWithVars({ ECO_JWT_ALGORITHMS: 'RS265' }, '/v1/models', token, {
      headers: { 'x-request-id': 'req-config-log-1' },
    });
    await expectError(res, 500, 'jwt_misconfigured');
    const out = logged();
    expect(out).toHaveLength(1);
    const entry = JSON.parse(out[0]!) as Record<string, unknown>;
    // The shape every configuration_error line has (unusable settings are logged the same way).
    expect(entry).toEqual({
      level: 'error',
      event: 'configuration_error',
      code: 'jwt_misconfigured',
      variable: 'ECO_JWT_ALGORITHMS',
      message: expect.stringMatching(/^ECO_JWT_ALGORITHMS names 'RS265', not a supported algorithm/),
      request_id: 'req-config-log-1',
      status: 500,
      method: 'GET',
      path: '/v1/models',
    });
    expect(out[0]).not.toContain(token);
  });

  it('are logged for the unconfigured codes too, without the credential or any secret', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await callWithVars(
      { ECO_JWT_SIGNING_SECRET: undefined, ECO_INTERNAL_SECRET: undefined },
      '/v1/auth/token?debug=1',
      key,
      { method: 'POST', body: {}, headers: { 'x-request-id': 'req-config-log-2' } },
    );
    await expectError(res, 500, 'token_signing_unconfigured');
    const out = logged();
    expect(out).toHaveLength(1);
    const entry = JSON.parse(out[0]!) as Record<string, unknown>;
    // Its message opens with the variable to set (the other one that would do is named after it).
    expect(Object.keys(entry).slice(0, 6)).toEqual([
      'level',
      'event',
      'code',
      'variable',
      'message',
      'request_id',
    ]);
    expect(entry).toMatchObject({
      code: 'token_signing_unconfigured',
      variable: 'ECO_JWT_SIGNING_SECRET',
      request_id: 'req-config-log-2',
      path: '/v1/auth/token',
    });
    expect(out[0]).not.toContain(key);
    expect(out[0]).not.toContain('debug');
  });

  it('a secret too short is logged without the secret', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await callWithVars(
      { ECO_JWT_SIGNING_SECRET: 'short-signing-secret' },
      '/v1/auth/token',
      key,
      {
        method: 'POST',
        body: {},
      },
    );
    await expectError(res, 500, 'jwt_misconfigured');
    const out = logged();
    expect(out).toHaveLength(1);
    expect(out[0]).toContain('ECO_JWT_SIGNING_SECRET');
    expect(out[0]).not.toContain('short-signing-secret');
  });
});

describe('ordinary refusals', () => {
  it('are not logged', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    await expectError(
      await callWithVars({}, '/v1/models', 'eco_sk_not-a-real-key-0123456789'),
      401,
      'invalid_api_key',
    );
    await expectError(await callWithVars({}, '/v1/models', null), 401, 'missing_api_key');
    await expectError(await callWithVars({}, '/admin/keys', key), 403, 'insufficient_scope');
    await expectError(await callWithVars({}, '/v1/no-such-route', key), 404, 'not_found');
    const badJson = await callWithVars({}, '/v1/chat/completions', key, {
      method: 'POST',
      body: { model: 7 },
    });
    expect(badJson.status).toBe(400);
    const expired = await signTestJwt({ sub: 'log-user' }, { exp: Math.floor(Date.now() / 1000) - 3600 });
    await expectError(await callWithVars({}, '/v1/models', expired), 401, 'jwt_expired');
    expect(logged()).toEqual([]);
  });
});
