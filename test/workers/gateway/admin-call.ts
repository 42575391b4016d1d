import { exports } from 'cloudflare:workers';

/** A JSON request to the gateway as `key`. */
export function callAs(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`http://gw${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The `error` object of an error response. */
export const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { message: string; type: string; param: string | null; code: string } })
    .error;

/** A minimal valid pool body for POST /admin/pools (health probes off), with `extra` fields over it. */
export const poolBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  protocol: 'vllm',
  origins: [{ id: 'a', url: `http://${name}-a.test`, capacity: 4 }],
  health: { enabled: false },
  ...extra,
});
