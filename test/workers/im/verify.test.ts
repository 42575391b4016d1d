import { describe, expect, it } from 'vitest';
import { verifyLine } from '../../../workers/im/verify/line.ts';
import { metaHandshake, verifyMetaSignature } from '../../../workers/im/verify/meta.ts';
import { verifyTelegram } from '../../../workers/im/verify/telegram.ts';
import { lineSignature, metaSignature } from './signing.ts';

const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('Meta X-Hub-Signature-256', () => {
  const body = '{"object":"page","entry":[]}';

  it('accepts the published test vector, in lower and upper case hex', async () => {
    const header = 'sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf';
    expect(await verifyMetaSignature(header, 'test_app_secret', bytes(body))).toEqual({ ok: true });
    const upper = `sha256=${header.slice(7).toUpperCase()}`;
    expect(await verifyMetaSignature(upper, 'test_app_secret', bytes(body))).toEqual({ ok: true });
  });

  it('rejects a changed byte, a wrong secret, a bad prefix, a short digest and no header', async () => {
    const header = await metaSignature('s3cret', body);
    expect((await verifyMetaSignature(header, 's3cret', bytes(`${body} `))).ok).toBe(false);
    expect((await verifyMetaSignature(header, 'other', bytes(body))).ok).toBe(false);
    expect((await verifyMetaSignature(header.replace('sha256=', 'sha1='), 's3cret', bytes(body))).ok).toBe(
      false,
    );
    expect((await verifyMetaSignature(header.slice(0, -2), 's3cret', bytes(body))).ok).toBe(false);
    expect(await verifyMetaSignature(undefined, 's3cret', bytes(body))).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
  });

  it('never accepts when the app secret is not configured', async () => {
    const header = await metaSignature('x', body);
    expect(await verifyMetaSignature(header, undefined, bytes(body))).toEqual({
      ok: false,
      reason: 'missing_secret',
    });
    expect((await verifyMetaSignature(header, '', bytes(body))).ok).toBe(false);
  });
});

describe('Meta GET handshake', () => {
  const query = (q: Record<string, string>) => new URLSearchParams(q);
  it('echoes the challenge for subscribe with the right token', async () => {
    const result = await metaHandshake(
      query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': '1158201444' }),
      'vt',
    );
    expect(result).toEqual({ ok: true, challenge: '1158201444' });
  });
  it('refuses a wrong token, a wrong mode, a missing challenge, and an unconfigured token', async () => {
    const good = { 'hub.mode': 'subscribe', 'hub.verify_token': 'vt', 'hub.challenge': 'c' };
    expect((await metaHandshake(query({ ...good, 'hub.verify_token': 'vx' }), 'vt')).ok).toBe(false);
    expect((await metaHandshake(query({ ...good, 'hub.mode': 'unsubscribe' }), 'vt')).ok).toBe(false);
    expect((await metaHandshake(query({ ...good, 'hub.challenge': '' }), 'vt')).ok).toBe(false);
    expect(await metaHandshake(query(good), undefined)).toEqual({ ok: false, reason: 'missing_secret' });
  });
});

describe('LINE x-line-signature', () => {
  const body = '{"destination":"U00000000000000000000000000000000","events":[]}';
  it('accepts the published test vector', async () => {
    const result = await verifyLine(
      '8BnrnB9ZR2DkR6H65eHG/THnnFpB2PpL7rOGjiuchNA=',
      'test_channel_secret',
      bytes(body),
    );
    expect(result).toEqual({ ok: true });
  });
  it('rejects re-serialized bodies, wrong secrets, hex instead of base64, and a missing secret', async () => {
    const header = await lineSignature('chan', body);
    const reserialized = JSON.stringify(JSON.parse(body), null, 1);
    expect((await verifyLine(header, 'chan', bytes(reserialized))).ok).toBe(false);
    expect((await verifyLine(header, 'other', bytes(body))).ok).toBe(false);
    expect((await verifyLine((await metaSignature('chan', body)).slice(7), 'chan', bytes(body))).ok).toBe(
      false,
    );
    expect((await verifyLine(header, undefined, bytes(body))).ok).toBe(false);
    expect((await verifyLine('', 'chan', bytes(body))).ok).toBe(false);
  });
});

describe('Telegram secret token', () => {
  it('accepts only the exact token', async () => {
    expect(await verifyTelegram('f3K9_x-2Qp', 'f3K9_x-2Qp')).toEqual({ ok: true });
    expect((await verifyTelegram('f3K9_x-2Qq', 'f3K9_x-2Qp')).ok).toBe(false);
    expect((await verifyTelegram('f3K9_x-2Q', 'f3K9_x-2Qp')).ok).toBe(false);
    expect((await verifyTelegram('f3K9_x-2Qpp', 'f3K9_x-2Qp')).ok).toBe(false);
    expect(await verifyTelegram(null, 'f3K9_x-2Qp')).toEqual({ ok: false, reason: 'missing_signature' });
    expect(await verifyTelegram('anything', undefined)).toEqual({ ok: false, reason: 'missing_secret' });
    expect(await verifyTelegram('', '')).toEqual({ ok: false, reason: 'missing_secret' });
  });
});
