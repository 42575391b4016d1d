import { exports } from 'cloudflare:workers';
import { seedKey } from '../helpers/seed.ts';

/** The admin API as the IM tests call it: one admin key, JSON bodies. */
export interface AdminClient {
  call(method: string, path: string, body?: unknown): Promise<Response>;
}

/** Seed an admin key and call the admin API with it. */
export async function adminClient(): Promise<AdminClient> {
  const token = await seedKey({ scopes: ['admin'] });
  return {
    call: (method, path, body) =>
      exports.default.fetch(`http://gw${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** The `error` of an answer in the API's error shape. */
export async function errorOf(
  res: Response,
): Promise<{ code: string; param: string | null; message: string }> {
  return ((await res.json()) as { error: { code: string; param: string | null; message: string } }).error;
}

/** A bot as the admin API takes it, billing to `keyId` with the test secrets. */
export function botBody(platform: string, id: string, keyId: string, defaultModel: string, extra = {}) {
  return {
    platform,
    id,
    name: id,
    keyId,
    defaultModel,
    secretName: 'ECO_IM_TEST_SECRET',
    accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
    ...extra,
  };
}
