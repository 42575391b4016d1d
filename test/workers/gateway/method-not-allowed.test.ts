import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { seedBot } from '../im/bots.ts';

// A known path asked with a method it does not take is a 405 that names the methods it does take,
// not a 404 that suggests the path is wrong.

let key: string;

beforeAll(async () => {
  key = await seedKey();
});

function call(method: string, path: string) {
  return exports.default.fetch(`http://gw${path}`, { method, headers: { authorization: `Bearer ${key}` } });
}

describe('a method the route does not take', () => {
  it.each([
    ['GET', '/v1/chat/completions', 'POST'],
    ['PUT', '/v1/completions', 'POST'],
    ['DELETE', '/v1/embeddings', 'POST'],
    ['POST', '/v1/models', 'GET, HEAD'],
    ['DELETE', '/v1/models/some-model', 'GET, HEAD'],
    ['POST', '/openapi.json', 'GET, HEAD'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/ready', 'GET, HEAD'],
    // Every other route too, by one pass over the app's routes once they are all registered.
    ['POST', '/metrics', 'GET, HEAD'],
    ['GET', '/v1/auth/token', 'POST'],
    ['DELETE', '/v1/usage', 'GET, HEAD'],
    ['PUT', '/v1/jobs', 'GET, POST, HEAD'],
    ['PATCH', '/v1/jobs/job_x', 'GET, DELETE, HEAD'],
    ['GET', '/v1/governance/validate', 'POST'],
    ['PUT', '/webhooks/telegram/some-bot', 'GET, POST, HEAD'],
  ])('%s %s answers 405 allowing %s', async (method, path, allow) => {
    const res = await call(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toEqual({
      error: {
        message: `Invalid method for URL (${method} ${path}); use ${allow}.`,
        type: 'invalid_request_error',
        param: null,
        code: 'method_not_allowed',
      },
    });
  });

  it('answers 405 on admin paths too, for a caller allowed there', async () => {
    const admin = await seedKey({ scopes: ['admin'] });
    const res = await exports.default.fetch('http://gw/admin/keys', {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD');
  });

  it.each([
    ['/v1/chat/completions', 'POST, OPTIONS'],
    ['/v1/models', 'GET, HEAD, OPTIONS'],
    ['/health', 'GET, HEAD, OPTIONS'],
    ['/v1/jobs', 'GET, POST, HEAD, OPTIONS'],
  ])('answers a plain OPTIONS %s (not a CORS preflight) with 204 and Allow %s', async (path, allow) => {
    const res = await call('OPTIONS', path);
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe(allow);
  });

  it('names POST in Allow when a POST-only platform refuses GET on its webhook', async () => {
    await seedBot({ platform: 'telegram', id: 'method-bot', keyId: 'key_method_bot', model: 'any-model' });
    const res = await exports.default.fetch('http://gw/webhooks/telegram/method-bot');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('still asks for a credential first on the API', async () => {
    const res = await exports.default.fetch('http://gw/v1/chat/completions');
    expect(res.status).toBe(401);
  });

  it('leaves unknown paths a 404', async () => {
    const res = await call('GET', '/v1/chat/completion');
    expect(res.status).toBe(404);
  });

  it.each(['/v1/models', '/health'])('answers HEAD %s where GET is allowed', async (path) => {
    const res = await call('HEAD', path);
    expect(res.status).toBe(200);
  });

  it('answers HEAD /ready with the status GET has', async () => {
    const [head, get] = await Promise.all([call('HEAD', '/ready'), call('GET', '/ready')]);
    expect([200, 503]).toContain(get.status);
    expect(head.status).toBe(get.status);
    expect(await head.text()).toBe('');
  });
});
