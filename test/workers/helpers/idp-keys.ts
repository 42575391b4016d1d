import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';

export type Signer = { alg: string; kid: string; key: CryptoKey };

export interface IdpKeys {
  /** By algorithm (RS256, ES256, EdDSA), and `stray`: a key the provider does not publish. */
  signers: Record<string, Signer>;
  /** The published key set. */
  jwks: JWK[];
  rsaPublicPem: string;
}

let made: Promise<IdpKeys> | undefined;

/**
 * The signing keys of the identity provider at http://idp.test, made once per isolate. Test files share
 * the gateway's isolate, and with it the key set the gateway has cached from that provider, so every
 * file must publish the same keys.
 */
export function idpKeys(): Promise<IdpKeys> {
  made ??= makeKeys();
  return made;
}

async function makeKeys(): Promise<IdpKeys> {
  const signers: Record<string, Signer> = {};
  const jwks: JWK[] = [];
  let rsaPublicPem = '';
  for (const [alg, kid] of [
    ['RS256', 'rsa-1'],
    ['ES256', 'ec-1'],
    ['EdDSA', 'ed-1'],
  ] as const) {
    const pair = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    });
    signers[alg] = { alg, kid, key: pair.privateKey };
    jwks.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
    if (alg === 'RS256') rsaPublicPem = await exportSPKI(pair.publicKey);
  }
  const stray = await generateKeyPair('RS256');
  signers.stray = { alg: 'RS256', kid: 'rsa-unpublished', key: stray.privateKey };
  return { signers, jwks, rsaPublicPem };
}
