import { env, exports } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { asEcoError } from '../../../schemas/errors.ts';
import type { AppEnv } from '../../../workers/app-env.ts';
import { errorResponse } from '../../../workers/http/error-response.ts';
import { cors } from '../../../workers/middleware/cors.ts';

// A shared cache keys a response on the headers its Vary names. An answer to a request without Origin
// must say it varies on Origin, or the cache could hand it, without CORS headers, to a browser.

function app() {
  const a = new Hono<AppEnv>();
  a.use('*', cors);
  a.get('/x', (c) => c.text('ok'));
  // A proxied answer: its headers cannot be changed in place.
  a.get('/proxied', () => Response.redirect('http://elsewhere.test/', 302));
  a.onError((err) => errorResponse(asEcoError(err)));
  return a;
}

const vars = (origins: string) => ({ ...env, ECO_CORS_ORIGINS: origins });

describe('Vary: Origin', () => {
  it('is sent without an Origin header when CORS answers depend on it', async () => {
    const res = await exports.default.fetch('http://gw/health'); // dev ECO_CORS_ORIGINS lists one origin
    expect(res.status).toBe(200);
    expect(res.headers.get('vary')).toContain('Origin');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it.each(['https://a.test', '*'])('is sent on every answer when ECO_CORS_ORIGINS is %s', async (origins) => {
    for (const path of ['/x', '/proxied', '/missing']) {
      const bare = await app().request(path, {}, vars(origins));
      expect(bare.headers.get('vary'), path).toContain('Origin');
      const cross = await app().request(path, { headers: { origin: 'https://a.test' } }, vars(origins));
      expect(cross.headers.get('vary'), path).toBe('Origin');
      expect(cross.headers.get('access-control-allow-origin'), path).toBe(
        origins === '*' ? '*' : 'https://a.test',
      );
    }
  });

  it('is sent on a refused preflight too', async () => {
    const res = await app().request(
      '/x',
      {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
      },
      vars('https://a.test'),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('is left out when no origin is allowed and the request has none', async () => {
    const res = await app().request('/x', {}, vars(''));
    expect(res.headers.get('vary')).toBeNull();
  });
});
