import type { Env } from '../../workers/env.ts';
import { hmacHex } from './callback-signature.ts';

/**
 * Each tenant's callback signing secret, derived from ECO_JOB_CALLBACK_SECRET. Signing every tenant's
 * callbacks with that one secret would hand it to every tenant that verifies them, and with it the
 * power to sign a callback another tenant's receiver accepts; a derived secret verifies one tenant's
 * callbacks and tells nothing about the others' or the root.
 */
export async function tenantCallbackSecret(rootSecret: string, tenant: string): Promise<string> {
  return `ecocb_${await hmacHex(rootSecret, `job-callbacks\n${tenant}`)}`;
}

/** ECO_JOB_CALLBACK_SECRET, from which each tenant's callback secret is derived; unset: no callbacks. */
export function callbackRootSecret(env: Env): string | undefined {
  const secret = env.ECO_JOB_CALLBACK_SECRET;
  return typeof secret === 'string' && secret.length > 0 ? secret : undefined;
}
