import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../../workers/env.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { jwtRefusal } from './helpers.ts';
import { jwksSigners } from './jwks-signers.ts';

// A provider that rotates its keys publishes the new one before signing with it: a token naming a kid
// the cached set lacks makes the gateway fetch the set again, but not within 30 s of the last fetch, so
// a flood of tokens with made-up kids cannot turn into a flood of fetches.

const HOST = 'jwks-refetch.test';
const withJwks = { ...env, ECO_JWT_JWKS_URL: `http://${HOST}/jwks.json` } as unknown as Env;
const { makeKey, token } = jwksSigners('rotating-user');

const unhandled: unknown[] = [];
/** jose's rejections left unhandled (other files' background work may leave rejections of its own). */
const noteUnhandled = (event: PromiseRejectionEvent) => {
  const code = (event.reason as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_J')) unhandled.push(event.reason);
};

afterEach(() => {
  vi.useRealTimers();
  removeEventListener('unhandledrejection', noteUnhandled);
});

describe('a JWKS token whose kid the cached key set lacks', () => {
  it('fetches the set again at most every 30 s, and leaves no rejection unhandled', async () => {
    addEventListener('unhandledrejection', noteUnhandled);
    vi.useFakeTimers({ toFake: ['Date'] });
    let published = [await makeKey('k1')];
    let fetches = 0;
    mockOrigin(HOST, () => {
      fetches++;
      return Response.json({ keys: published });
    });
    expect(await jwtRefusal(await token('k1'), withJwks)).toBeUndefined();
    expect(fetches).toBe(1);

    // Rotated in right after the last fetch: refused without a fetch until 30 s have passed.
    published = [...published, await makeKey('k2')];
    expect(await jwtRefusal(await token('k2'), withJwks)).toMatchObject({ code: 'jwt_unknown_kid' });
    expect(fetches).toBe(1);
    vi.setSystemTime(Date.now() + 31_000);
    expect(await jwtRefusal(await token('k2'), withJwks)).toBeUndefined();
    expect(fetches).toBe(2);

    // A kid the provider never publishes: one fetch for a burst of such tokens.
    await makeKey('never-published');
    vi.setSystemTime(Date.now() + 31_000);
    for (let i = 0; i < 3; i++) {
      expect(await jwtRefusal(await token('never-published'), withJwks)).toMatchObject({
        code: 'jwt_unknown_kid',
      });
    }
    expect(fetches).toBe(3);
    // Still accepted from the cache meanwhile.
    expect(await jwtRefusal(await token('k1'), withJwks)).toBeUndefined();
    expect(fetches).toBe(3);

    // Rotated in again: tokens that arrive together, while the first of them refetches, all pass.
    published = [...published, await makeKey('k3')];
    vi.setSystemTime(Date.now() + 31_000);
    const together = await Promise.all(
      Array.from({ length: 5 }, async () => jwtRefusal(await token('k3'), withJwks)),
    );
    expect(together).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const afterRotation = fetches;
    expect(await jwtRefusal(await token('never-published'), withJwks)).toMatchObject({
      code: 'jwt_unknown_kid',
    });
    expect(fetches).toBe(afterRotation);

    await new Promise((r) => setTimeout(r, 0));
    expect(unhandled).toEqual([]);
  });
});
