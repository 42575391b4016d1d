import { describe, expect, it } from 'vitest';
import { callWithVars } from '../identity/helpers.ts';

const TOKEN = 'metrics-scrape-token-0123456789abcdef';
const vars = { ECO_METRICS_TOKEN: TOKEN };
const scrape = (token: string, ip: string) =>
  callWithVars(vars, '/metrics', token, { headers: { 'cf-connecting-ip': ip } });

describe('the metrics token', () => {
  it('cannot be guessed past the failed-credential limit: a blocked address has no guess judged', async () => {
    const ip = '198.51.100.77';
    // ECO_AUTH_FAILURES_PER_MIN: 60 by default.
    for (let i = 0; i < 60; i++) expect((await scrape(`guess-${i}`, ip)).status).toBe(401);
    const hit = await scrape(TOKEN, ip);
    expect(hit.status).toBe(429);
    expect(((await hit.json()) as { error: { code: string } }).error.code).toBe('too_many_auth_failures');
    expect(Number(hit.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other addresses are not affected, and the token still works from them.
    const other = await scrape(TOKEN, '198.51.100.78');
    expect(other.status).toBe(200);
    await other.text();
  });
});
