/** Sign webhook bodies the way each platform does, over the exact bytes that are sent. */
const encoder = new TextEncoder();

async function hmac(secret: string, body: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)));
}

export async function metaSignature(secret: string, body: string): Promise<string> {
  const bytes = await hmac(secret, body);
  return `sha256=${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export async function lineSignature(secret: string, body: string): Promise<string> {
  const bytes = await hmac(secret, body);
  return btoa(String.fromCharCode(...bytes));
}
