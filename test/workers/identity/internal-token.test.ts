import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import {
  INTERNAL_PREFIX,
  mintInternalToken,
  verifyInternalToken,
} from '../../../workers/auth/internal-token.ts';
import { call, expectError } from './helpers.ts';

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

/** A correctly signed internal token around any JSON text: only its claims can be wrong. */
async function signed(json: string): Promise<string> {
  const payload = b64url(new TextEncoder().encode(json));
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(env.ECO_INTERNAL_SECRET as string),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload));
  return `${INTERNAL_PREFIX}${payload}.${b64url(new Uint8Array(signature))}`;
}

const future = Date.now() + 60_000;
const NOT_CLAIMS = ['null', '42', '"key_x"', 'true', '[]', '{}', `{"keyId":"key_x","exp":${future}}`];

describe('internal tokens', () => {
  it('a signed payload that is not a claims object is an invalid token, not a crash', async () => {
    for (const json of NOT_CLAIMS) {
      const token = await signed(json);
      const err = await verifyInternalToken(env, token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, json).toBeInstanceOf(EcoError);
      expect(err, json).toMatchObject({ status: 401, code: 'invalid_api_key' });
      await expectError(await call('/v1/models', token), 401, 'invalid_api_key');
    }
  });

  it('minted and well-formed signed claims still verify', async () => {
    const token = await mintInternalToken(env, 'key_x', 'job:1');
    expect(await verifyInternalToken(env, token)).toMatchObject({ keyId: 'key_x', actor: 'job:1' });
    const claims = `{"keyId":"key_x","exp":${future},"actor":"im:t:1"}`;
    expect(await verifyInternalToken(env, await signed(claims))).toMatchObject({ actor: 'im:t:1' });
  });
});
