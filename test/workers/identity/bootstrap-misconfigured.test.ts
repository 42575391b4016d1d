import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { callWithVars, expectError, forgetBootstrapKey } from './helpers.ts';

// The operator who sets ECO_BOOTSTRAP_ADMIN_KEY presents it to get in. A value the gateway will not use
// (generated without the eco_sk_ prefix, too short), or one changed after the bootstrap key was made,
// would only ever answer "invalid API key", which sends the operator looking at the wrong thing. To
// whoever presents exactly that value, the gateway says what is wrong (500 bootstrap_misconfigured);
// every other credential is judged as before.

const bootstrapRows = async () =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE id = 'key_bootstrap_admin'").first<{
      n: number;
    }>()
  )?.n;

describe('ECO_BOOTSTRAP_ADMIN_KEY', () => {
  beforeEach(forgetBootstrapKey);

  for (const [what, secret] of [
    ['without the eco_sk_ prefix', 'f3a9'.repeat(16)],
    ['shorter than 40 characters', `eco_sk_${'a'.repeat(20)}`],
  ] as const) {
    it(`${what}: presenting it is a 500 saying why, and no key is made`, async () => {
      const res = await callWithVars({ ECO_BOOTSTRAP_ADMIN_KEY: secret }, '/v1/models', secret);
      const body = (await res.clone().json()) as { error: { message: string } };
      await expectError(res, 500, 'bootstrap_misconfigured');
      expect(body.error.message).toContain('ECO_BOOTSTRAP_ADMIN_KEY');
      expect(body.error.message).not.toContain(secret);
      expect(await bootstrapRows()).toBe(0);
      // Any other credential is still just an invalid key.
      await expectError(
        await callWithVars({ ECO_BOOTSTRAP_ADMIN_KEY: secret }, '/v1/models', `eco_sk_${'z'.repeat(43)}`),
        401,
        'invalid_api_key',
      );
    });
  }

  it('changed after the bootstrap key was made: presenting the new value says so', async () => {
    const first = `eco_sk_${'1'.repeat(43)}`;
    const second = `eco_sk_${'2'.repeat(43)}`;
    expect((await callWithVars({ ECO_BOOTSTRAP_ADMIN_KEY: first }, '/v1/models', first)).status).toBe(200);
    invalidateKeyCache();
    const res = await callWithVars({ ECO_BOOTSTRAP_ADMIN_KEY: second }, '/v1/models', second);
    const body = (await res.clone().json()) as { error: { message: string } };
    await expectError(res, 500, 'bootstrap_misconfigured');
    expect(body.error.message).toContain('key_bootstrap_admin');
    // The stored key is untouched and still works with the value it was made from.
    expect((await callWithVars({ ECO_BOOTSTRAP_ADMIN_KEY: second }, '/v1/models', first)).status).toBe(200);
    expect(await bootstrapRows()).toBe(1);
  });
});
