import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { throttledAddress } from '../../../workers/auth/client-address.ts';

// One IPv6 client holds a whole /64: counted per full address, it could vary the low bits and never
// be throttled.

const models = (key: string, ip: string) =>
  exports.default.fetch('http://gw/v1/models', {
    headers: { authorization: `Bearer ${key}`, 'cf-connecting-ip': ip },
  });

describe('auth failures from IPv6 addresses', () => {
  it('are counted per /64, so varying the low bits does not escape the throttle', async () => {
    for (let i = 1; i <= 60; i++)
      expect((await models(`eco_sk_v6_${i}`, `2001:db8:1:2::${i.toString(16)}`)).status).toBe(401);
    expect((await models('eco_sk_v6_61', '2001:db8:1:2:ffff:ffff:ffff:ffff')).status).toBe(429);
    // Another /64 is another client.
    expect((await models('eco_sk_v6_62', '2001:db8:1:3::1')).status).toBe(401);
  });

  it('groups the spellings of one /64 and leaves IPv4 addresses whole', () => {
    expect(throttledAddress('2001:DB8:1:2::1')).toBe(throttledAddress('2001:db8:0001:0002:abcd::'));
    expect(throttledAddress('2001:db8::1')).toBe(throttledAddress('2001:db8:0:0:1:2:3:4'));
    expect(throttledAddress('2001:db8::1')).not.toBe(throttledAddress('2001:db8:0:1::1'));
    expect(throttledAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(throttledAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttledAddress('203.0.113.7')).not.toBe(throttledAddress('203.0.113.8'));
  });
});
