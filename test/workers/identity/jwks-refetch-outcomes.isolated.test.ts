import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../../workers/env.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { jwtRefusal } from './helpers.ts';
import { jwksSigners } from './jwks-signers.ts';

// The 30 s between refetches of a key set for unknown kids count from when a refetch began, whatever
// its outcome: a provider that answers errors or hangs is not asked again for every such token, and
// tokens that arrive while a refetch runs wait for it instead of fetching the set themselves.

const { makeKey, token } = jwksSigners('refetching-user');

/** A gateway whose key set is at `http://<host>/jwks.json`: each host has a key set cache of its own. */
const jwksAt = (host: string) => ({ ...env, ECO_JWT_JWKS_URL: `http://${host}/jwks.json` }) as unknown as Env;

const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

afterEach(() => {
  vi.useRealTimers();
});

describe('refetching a key set for an unknown kid', () => {
  it('while the provider answers errors: one fetch per 30 s, and 503 meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const withJwks = jwksAt('jwks-failing.test');
    let published = [await makeKey('f1')];
    let failing = false;
    let fetches = 0;
    mockOrigin('jwks-failing.test', () => {
      fetches++;
      return failing ? new Response('down', { status: 502 }) : Response.json({ keys: published });
    });
    expect(await jwtRefusal(await token('f1'), withJwks)).toBeUndefined();
    expect(fetches).toBe(1);

    failing = true;
    published = [...published, await makeKey('f2')];
    later(31_000);
    expect(await jwtRefusal(await token('f2'), withJwks)).toMatchObject({
      status: 503,
      code: 'jwks_unavailable',
    });
    expect(fetches).toBe(2);
    // Within 30 s of that failed fetch: no fetch, and the kid could not be checked (503, not 401).
    for (let i = 0; i < 3; i++) {
      expect(await jwtRefusal(await token('f2'), withJwks)).toMatchObject({
        status: 503,
        code: 'jwks_unavailable',
      });
    }
    expect(fetches).toBe(2);
    // Tokens whose kid the cached set holds are not affected.
    expect(await jwtRefusal(await token('f1'), withJwks)).toBeUndefined();

    failing = false;
    later(31_000);
    expect(await jwtRefusal(await token('f2'), withJwks)).toBeUndefined();
    expect(fetches).toBe(3);
  });

  it('tokens that arrive together while a refetch runs share it: one fetch, all pass', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const withJwks = jwksAt('jwks-together.test');
    let published = [await makeKey('t1')];
    let fetches = 0;
    let release: () => void = () => {};
    let held: Promise<void> = Promise.resolve();
    mockOrigin('jwks-together.test', async () => {
      fetches++;
      await held;
      return Response.json({ keys: published });
    });
    expect(await jwtRefusal(await token('t1'), withJwks)).toBeUndefined();
    expect(fetches).toBe(1);

    published = [...published, await makeKey('t2')];
    later(31_000);
    held = new Promise((resolve) => {
      release = resolve;
    });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => token('t2')));
    const answers = Promise.all(tokens.map((t) => jwtRefusal(t, withJwks)));
    // The one refetch is under way, and held; the tokens find their kid missing meanwhile.
    await vi.waitFor(() => expect(fetches).toBe(2), { timeout: 4_000 });
    release();
    expect(await answers).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(fetches).toBe(2);
  });

  it('a refetch that never settles is given up on: 503, and no fetch until 30 s have passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const withJwks = jwksAt('jwks-hanging.test');
    let published = [await makeKey('h1')];
    let hanging = false;
    let fetches = 0;
    mockOrigin('jwks-hanging.test', () => {
      fetches++;
      // As a refetch whose request was cancelled mid-fetch: it never settles.
      return hanging ? new Promise<Response>(() => {}) : Response.json({ keys: published });
    });
    expect(await jwtRefusal(await token('h1'), withJwks)).toBeUndefined();

    hanging = true;
    published = [...published, await makeKey('h2')];
    later(31_000);
    const stuck = await token('h2');
    void jwtRefusal(stuck, withJwks);
    await vi.waitFor(() => expect(fetches).toBe(2), { timeout: 4_000 });
    // Past the fetch's own timeout: later tokens stop waiting for it, and do not fetch either.
    later(7_000);
    expect(await jwtRefusal(stuck, withJwks)).toMatchObject({ status: 503, code: 'jwks_unavailable' });
    expect(fetches).toBe(2);

    hanging = false;
    later(31_000);
    expect(await jwtRefusal(stuck, withJwks)).toBeUndefined();
    expect(fetches).toBe(3);
  });
});
