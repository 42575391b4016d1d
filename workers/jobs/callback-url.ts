import { hostOf, isLoopbackHost, nonPublicHost } from '../http/public-host.ts';

/**
 * Where a job callback may go: https to a public host (see public-host.ts for what is not one). Plain
 * http only to loopback, and only in development. A public name that resolves to a private address
 * cannot be seen from here (the edge has no DNS lookup); the edge's own network cannot reach private
 * ranges either.
 */
export type CallbackUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

export interface CallbackUrlPolicy {
  /** Development only: allow http (and https) to loopback addresses and `localhost`. */
  allowLoopback: boolean;
}

export function validateCallbackUrl(raw: string, policy: CallbackUrlPolicy): CallbackUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'must not carry credentials' };
  const host = hostOf(url);
  const loopback = isLoopbackHost(host);
  if (url.protocol === 'http:') {
    if (!(policy.allowLoopback && loopback)) {
      return { ok: false, reason: 'must use https (http is allowed only to loopback in development)' };
    }
  } else if (url.protocol !== 'https:') {
    return { ok: false, reason: 'must use https' };
  }
  if (loopback) {
    return policy.allowLoopback ? { ok: true, url: url.href } : { ok: false, reason: 'targets loopback' };
  }
  const blocked = nonPublicHost(host);
  return blocked ? { ok: false, reason: blocked } : { ok: true, url: url.href };
}
