/**
 * The gateway's API key format: `eco_sk_` and base64url characters, at least 40 characters (as the
 * bootstrap key must be) and at most the 8192 the gateway reads from an Authorization header. Keys
 * outside it are either never accepted (whitespace, `eco_int.` internal tokens, JWT-shaped, too long)
 * or not keys the gateway would issue.
 */
export const KEY_PREFIX = 'eco_sk_';
export const MIN_KEY_LENGTH = 40;
export const MAX_KEY_LENGTH = 8192;

/** Why `key` is not a usable API key, or undefined when it is. */
export function apiKeyProblem(key) {
  if (!key.startsWith(KEY_PREFIX)) return `must start with ${KEY_PREFIX}`;
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return 'may contain only letters, digits, _ and -';
  if (key.length < MIN_KEY_LENGTH)
    return `must be at least ${MIN_KEY_LENGTH} characters (it has ${key.length})`;
  if (key.length > MAX_KEY_LENGTH)
    return `must be at most ${MAX_KEY_LENGTH} characters (it has ${key.length})`;
  return undefined;
}
