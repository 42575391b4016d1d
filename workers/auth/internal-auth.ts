import { eq } from 'drizzle-orm';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { principalFromRow } from '../data/api-keys.ts';
import { db } from '../data/db.ts';
import type { Env } from '../env.ts';
import type { Principal } from '../principal.ts';
import { INTERNAL_PREFIX, verifyInternalToken } from './internal-token.ts';

export const isInternalToken = (token: string) => token.startsWith(INTERNAL_PREFIX);

/** An internal token acts as the API key it names; that key must still be valid. */
export async function authenticateInternal(env: Env, token: string): Promise<Principal> {
  const claims = await verifyInternalToken(env, token);
  const rows = await db(env.DB).select().from(apiKeys).where(eq(apiKeys.id, claims.keyId)).limit(1);
  const row = rows[0];
  const now = Date.now();
  if (
    !row ||
    (row.revokedAt !== null && row.revokedAt <= now) ||
    (row.expiresAt !== null && row.expiresAt <= now)
  ) {
    throw new EcoError(401, 'invalid_api_key', `The key '${claims.keyId}' this call acts as is not valid.`);
  }
  return principalFromRow(row);
}
