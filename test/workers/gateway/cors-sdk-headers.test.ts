import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// A browser sends the real request only when the preflight answer allows every header it asked for.
// The official OpenAI SDKs add their own (`x-stainless-*`, `openai-organization`...) to every call.

const DEV_ORIGIN = 'http://localhost:5173'; // listed in the dev ECO_CORS_ORIGINS

function preflight(requestHeaders: string, origin = DEV_ORIGIN) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
  });
}

function allowed(res: Response): string[] {
  return (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim());
}

describe('CORS preflight request headers', () => {
  it('allows the headers the openai SDK sends from a browser', async () => {
    const asked = [
      'authorization',
      'content-type',
      'x-stainless-arch',
      'x-stainless-lang',
      'x-stainless-os',
      'x-stainless-package-version',
      'x-stainless-retry-count',
      'x-stainless-runtime',
      'x-stainless-runtime-version',
      'x-stainless-timeout',
      'openai-organization',
      'openai-project',
    ];
    const res = await preflight(asked.join(','));
    expect(res.status).toBe(204);
    for (const name of asked) expect(allowed(res), name).toContain(name);
    expect(res.headers.get('vary')).toContain('Access-Control-Request-Headers');
  });

  it('compares names case-insensitively and keeps the gateway headers', async () => {
    const res = await preflight('X-Stainless-OS, Authorization');
    expect(allowed(res)).toContain('x-stainless-os');
    for (const name of ['authorization', 'content-type', 'x-request-id', 'traceparent'])
      expect(allowed(res)).toContain(name);
  });

  it('does not echo a malformed or oversized list', async () => {
    for (const junk of ['x-a, bad header', 'x-a,(b)', `${'x'.repeat(5000)}`]) {
      const res = await preflight(junk);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-headers')).not.toContain('bad');
      expect(res.headers.get('access-control-allow-headers')!.length).toBeLessThan(1000);
    }
  });

  it('still refuses an origin that is not listed', async () => {
    const res = await preflight('x-stainless-os', 'https://evil.test');
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });
});
