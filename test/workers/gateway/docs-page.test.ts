import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// The page runs the CDN's script with the API key a reader pastes into it: the script must be one fixed
// release, never whatever the CDN calls latest today.

describe('GET /docs', () => {
  it('loads one pinned swagger-ui release, script and stylesheet alike', async () => {
    const res = await exports.default.fetch('http://gw/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    const remote = assets.filter((url) => url.startsWith('https://'));
    expect(remote.length).toBeGreaterThanOrEqual(2);
    for (const url of remote) expect(url, url).toMatch(/\/swagger-ui-dist@\d+\.\d+\.\d+\//);
  });

  it('has the browser check each remote file against its digest (Subresource Integrity)', async () => {
    const html = await (await exports.default.fetch('http://gw/docs')).text();
    const tags = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="https:[^>]*>/g)].map((m) => m[0]);
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const tag of tags) {
      expect(tag, tag).toMatch(/ integrity="sha384-[A-Za-z0-9+/]{64}"/);
      // Without CORS mode the browser cannot read the file to check it.
      expect(tag, tag).toContain('crossorigin="anonymous"');
    }
  });

  it('may not be framed by another site, nor re-pointed by a base or plugin element', async () => {
    const res = await exports.default.fetch('http://gw/docs');
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"])
      expect(csp).toContain(directive);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('points at this document', async () => {
    const html = await (await exports.default.fetch('http://gw/docs')).text();
    expect(html).toContain("'/openapi.json'");
  });
});
