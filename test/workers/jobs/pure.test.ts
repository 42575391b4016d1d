import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  signCallback,
  verifyCallbackSignature,
} from '../../../durable-objects/job-queue/callback-signature.ts';
import { backoffMs, capPriority, dispatchPriority } from '../../../durable-objects/job-queue/ordering.ts';
import { validateCallbackUrl } from '../../../workers/jobs/callback-url.ts';
import { bodyHash, canonicalJson } from '../../../workers/jobs/canonical-hash.ts';
import { decodeCursor, encodeCursor } from '../../../workers/jobs/cursor.ts';

describe('priority rules', () => {
  it('jobs run one class below what they state, except critical', () => {
    expect(dispatchPriority('critical')).toBe('critical');
    expect(dispatchPriority('high')).toBe('normal');
    expect(dispatchPriority('normal')).toBe('low');
    expect(dispatchPriority('low')).toBe('low');
  });
  it('a stated priority above the key maximum is lowered to it', () => {
    expect(capPriority('critical', 'normal')).toBe('normal');
    expect(capPriority('low', 'high')).toBe('low');
    expect(capPriority('high', 'critical')).toBe('high');
  });
});

describe('backoff', () => {
  const policy = { baseMs: 100, maxMs: 1000 };
  it('doubles per failure within [step/2, step], capped, with Retry-After as a floor', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(50);
    expect(backoffMs(1, policy, () => 1)).toBe(100);
    expect(backoffMs(3, policy, () => 1)).toBe(400);
    expect(backoffMs(10, policy, () => 1)).toBe(1000);
    expect(backoffMs(1, policy, () => 0, 5000)).toBe(5000);
  });
  it('never goes below half the step or above the cap (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const step = Math.min(1000, 100 * 2 ** (n - 1));
        const d = backoffMs(n, policy, () => r);
        return d >= Math.floor(step / 2) && d <= 1000;
      }),
    );
  });
});

describe('callback signatures', () => {
  it('signs t.<body> with HMAC-SHA256 hex and verifies only the exact body, secret and fresh time', async () => {
    const header = await signCallback('s3cret', '{"a":1}', 1_700_000_000.7);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    // the documented algorithm, computed independently
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode('s3cret'),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode('1700000000.{"a":1}'));
    const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(header).toBe(`t=1700000000,v1=${hex}`);
    expect(await verifyCallbackSignature('s3cret', header, '{"a":1}', 1_700_000_010)).toBe(true);
    expect(await verifyCallbackSignature('s3cret', header, '{"a": 1}', 1_700_000_010)).toBe(false);
    expect(await verifyCallbackSignature('other', header, '{"a":1}', 1_700_000_010)).toBe(false);
    expect(await verifyCallbackSignature('s3cret', header, '{"a":1}', 1_700_000_301)).toBe(false);
    expect(await verifyCallbackSignature('s3cret', 'garbage', '{"a":1}', 1_700_000_000)).toBe(false);
    expect(
      await verifyCallbackSignature(
        's3cret',
        header.replace('t=1700000000', 't=1700000001'),
        '{"a":1}',
        1_700_000_000,
      ),
    ).toBe(false);
  });
});

describe('callback URL policy', () => {
  const prod = { allowLoopback: false };
  const dev = { allowLoopback: true };
  it.each([
    'https://hooks.example.com/jobs',
    'https://hooks.example.com:8443/x?y=1',
    'https://hooks.example.com./jobs',
    'https://8.8.8.8/cb',
    'https://[2606:4700::1111]/cb',
    'https://[2001:4860:4860::8888]/cb',
    'https://[64:ff9b::808:808]/cb',
  ])('accepts %s', (url) => {
    expect(validateCallbackUrl(url, prod).ok).toBe(true);
  });
  it.each([
    ['http://hooks.example.com/x', 'https'],
    ['ftp://hooks.example.com/x', 'https'],
    ['not a url', 'absolute'],
    ['https://user:pw@hooks.example.com/', 'credentials'],
    ['https://localhost/x', 'loopback'],
    ['https://127.0.0.1/x', 'loopback'],
    ['https://2130706433/x', 'loopback'],
    ['https://0x7f.1/x', 'loopback'],
    ['https://[::1]/x', 'loopback'],
    ['https://10.1.2.3/x', 'private'],
    ['https://172.16.0.1/x', 'private'],
    ['https://172.31.255.255/x', 'private'],
    ['https://192.168.1.1/x', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'private'],
    ['https://100.64.0.1/x', 'private'],
    ['https://0.0.0.0/x', 'private'],
    ['https://224.0.0.1/x', 'private'],
    ['https://[fd00::1]/x', 'private'],
    ['https://[fe80::1]/x', 'private'],
    ['https://[::ffff:10.0.0.1]/x', 'private'],
    ['https://[::ffff:127.0.0.1]/x', 'loopback'],
    ['https://[64:ff9b::a00:1]/x', 'private'],
    // 6to4 with 127.0.0.1 and 10.0.0.1 inside, Teredo, local-use NAT64
    ['https://[2002:7f00:1::1]/x', 'private'],
    ['https://[2002:a00:1::]/x', 'private'],
    ['https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x', 'private'],
    // Teredo whose server part starts with zeros: the URL parser writes `2001::…`
    ['https://[2001::80ff:fffe]/x', 'private'],
    ['https://[2001:0:0:1::1]/x', 'private'],
    // IPv4-translated ::ffff:0:0:0/96 and other forms under 0::/16
    ['https://[::ffff:0:a00:1]/x', 'private'],
    ['https://[0:0:1::1]/x', 'private'],
    ['https://[2001:db8::1]/x', 'private'],
    ['https://[100::1]/x', 'private'],
    ['https://[64:ff9b:1::a00:1]/x', 'private'],
    ['https://intranet/x', 'public host'],
    ['https://printer.local/x', 'local-only'],
    ['https://db.internal/x', 'local-only'],
    // a trailing dot names the same host (fully qualified) and must not slip past the name checks
    ['https://localhost./x', 'loopback'],
    ['https://api.localhost../x', 'loopback'],
    ['https://db.internal./x', 'local-only'],
    ['https://metadata.google.internal./x', 'local-only'],
    ['https://intranet./x', 'public host'],
    ['https://./x', 'public host'],
  ])('refuses %s (%s)', (url, reason) => {
    const check = validateCallbackUrl(url, prod);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });
  it('allows http and https to loopback only in development', () => {
    expect(validateCallbackUrl('http://127.0.0.1:9999/cb', dev)).toEqual({
      ok: true,
      url: 'http://127.0.0.1:9999/cb',
    });
    expect(validateCallbackUrl('http://localhost:9999/cb', dev).ok).toBe(true);
    expect(validateCallbackUrl('http://localhost.:9999/cb', dev).ok).toBe(true);
    expect(validateCallbackUrl('http://10.0.0.1/cb', dev).ok).toBe(false);
    expect(validateCallbackUrl('http://hooks.example.com/cb', dev).ok).toBe(false);
    expect(validateCallbackUrl('https://192.168.0.1/cb', dev).ok).toBe(false);
  });
  it('never accepts a literal private IPv4 address in any textual form (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (b, c) => {
        for (const host of [`10.${b}.${c}.1`, `192.168.${b}.${c}`, `127.${b}.${c}.9`, `169.254.${b}.${c}`]) {
          const n = host.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
          for (const form of [host, String(n), `0x${n.toString(16)}`]) {
            if (validateCallbackUrl(`https://${form}/x`, prod).ok) return false;
          }
        }
        return true;
      }),
    );
  });
});

describe('idempotency body hash and cursors', () => {
  it('hashes equal bodies equal whatever the key order, and different bodies differently', async () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(await bodyHash({ a: 1, b: 2 })).toBe(await bodyHash({ b: 2, a: 1 }));
    expect(await bodyHash({ a: 1, b: 2 })).not.toBe(await bodyHash({ a: 1, b: 3 }));
  });
  it('round-trips cursors and rejects forged ones with a 400', () => {
    const c = { createdAt: 1_700_000_000_123, id: 'job_x' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', '!!!', btoa('{"a":1}'), btoa('["x","y"]')]) {
      expect(() => decodeCursor(bad)).toThrow(
        expect.objectContaining({ status: 400, code: 'invalid_cursor' }),
      );
    }
  });
});
