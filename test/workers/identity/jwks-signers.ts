import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { signTestJwt } from './helpers.ts';

/** ES256 keys an identity provider publishes by kid, and tokens for `sub` signed with them. */
export function jwksSigners(sub: string) {
  const signers = new Map<string, CryptoKey>();
  return {
    /** A new key under `kid`: its public JWK, to publish in a key set. */
    async makeKey(kid: string): Promise<JWK> {
      const pair = await generateKeyPair('ES256', { extractable: true });
      signers.set(kid, pair.privateKey);
      return { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
    },
    token: (kid: string) => signTestJwt({ sub }, { alg: 'ES256', kid, key: signers.get(kid)! }),
  };
}
