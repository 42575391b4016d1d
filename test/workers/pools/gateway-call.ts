import { exports } from 'cloudflare:workers';

/** A call to the gateway as the bearer of `key`, with `body` (if any) sent as JSON. */
export function callAs(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`http://gw${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
