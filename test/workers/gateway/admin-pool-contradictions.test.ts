import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs, errorOf, poolBody } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

const DAY_MS = 86_400_000;

async function storedPool(name: string): Promise<boolean> {
  return (await env.DB.prepare('SELECT name FROM pools WHERE name = ?').bind(name).first()) !== null;
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  expect((await call('POST', '/admin/pools', poolBody('pc-base'))).status).toBe(201);
});

describe('pool writes: settings that contradict each other are refused', () => {
  it.each([
    [
      'a retry base delay above its maximum',
      { retry: { baseDelayMs: 5000, maxDelayMs: 1000 } },
      'retry.baseDelayMs',
    ],
    [
      'a breaker cooldown above its maximum cooldown',
      { breaker: { cooldownMs: 60_000, maxCooldownMs: 10_000 } },
      'breaker.cooldownMs',
    ],
    [
      'a headers timeout above the total',
      { timeouts: { headersMs: 20_000, totalMs: 10_000 } },
      'timeouts.headersMs',
    ],
    [
      'a first-token timeout above the total',
      { timeouts: { headersMs: 5000, firstTokenMs: 20_000, idleMs: 5000, totalMs: 10_000 } },
      'timeouts.firstTokenMs',
    ],
    [
      'an idle timeout above the total',
      { timeouts: { headersMs: 5000, firstTokenMs: 5000, idleMs: 20_000, totalMs: 10_000 } },
      'timeouts.idleMs',
    ],
    ['a total timeout over a day', { timeouts: { totalMs: DAY_MS + 1 } }, 'timeouts.totalMs'],
    ['a total timeout of 1e15 ms', { timeouts: { totalMs: 1e15 } }, 'timeouts.totalMs'],
    ['a time-to-first-token objective over a day', { slo: { ttftMs: DAY_MS + 1 } }, 'slo.ttftMs'],
  ])('refuses %s (400 naming the field, nothing stored)', async (_, extra, param) => {
    const res = await call('POST', '/admin/pools', poolBody('pc-new', extra));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_request',
      param,
    });
    expect(await storedPool('pc-new')).toBe(false);
  });

  it('refuses a PATCH that makes the defaults contradict (a total below the default header timeout)', async () => {
    const res = await call('PATCH', '/admin/pools/pc-base', { timeouts: { totalMs: 5000 } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe('timeouts.headersMs');
  });

  it('accepts equal bounds and the largest timeouts allowed', async () => {
    const res = await call(
      'POST',
      '/admin/pools',
      poolBody('pc-edges', {
        retry: { baseDelayMs: 1000, maxDelayMs: 1000 },
        breaker: { cooldownMs: 10_000, maxCooldownMs: 10_000 },
        timeouts: { headersMs: DAY_MS, firstTokenMs: DAY_MS, idleMs: DAY_MS, totalMs: DAY_MS },
      }),
    );
    expect(res.status).toBe(201);
  });

  it('keeps serving a stored row that breaks these rules (they apply to writes only)', async () => {
    const config = { ...poolBody('pc-stored'), retry: { attempts: 2, baseDelayMs: 5000, maxDelayMs: 1000 } };
    await env.DB.prepare('INSERT INTO pools (name, protocol, config, updated_at) VALUES (?, ?, ?, ?)')
      .bind('pc-stored', 'vllm', JSON.stringify(config), Date.now())
      .run();
    invalidateRegistry();
    const res = await call('GET', '/admin/pools/pc-stored');
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { config: { retry: { baseDelayMs: number } } }).config.retry.baseDelayMs,
    ).toBe(5000);
  });
});

describe('pool writes: origin URLs never carry credentials', () => {
  it.each([
    ['a user and password', 'http://user:hunter2@creds.test'],
    ['a user only', 'https://hunter2@creds.test/v1'],
    ['an empty user with a password', 'http://:hunter2@creds.test'],
  ])('refuses an origin URL with %s (400 at origins.N.url, nothing stored or shown)', async (_, url) => {
    const res = await call(
      'POST',
      '/admin/pools',
      poolBody('pc-creds', {
        origins: [
          { id: 'a', url: 'http://ok.test' },
          { id: 'b', url },
        ],
      }),
    );
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: 'invalid_request_error', param: 'origins.1.url' });
    expect(error.message).not.toContain('hunter2');
    expect(await storedPool('pc-creds')).toBe(false);
    const patched = await call('PATCH', '/admin/pools/pc-base', { origins: [{ id: 'a', url }] });
    expect(patched.status).toBe(400);
    expect((await errorOf(patched)).param).toBe('origins.0.url');
    const list = await (await call('GET', '/admin/pools')).text();
    expect(list).not.toContain('@creds.test');
  });
});
