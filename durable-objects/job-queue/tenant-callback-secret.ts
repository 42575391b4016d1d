/**
 * Each tenant's callback signing secret, derived from ECO_JOB_CALLBACK_SECRET. Signing every tenant's
 * callbacks with that one secret would hand it to every tenant that verifies them, and with it the
 * power to sign a callback another tenant's receiver accepts; a derived secret verifies one tenant's
 * callbacks and tells nothing about the others' or the root.
 */
const encoder = new TextEncoder();

export async function tenantCallbackSecret(rootSecret: string, tenant: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(rootSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`job-callbacks\n${tenant}`));
  return `ecocb_${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
