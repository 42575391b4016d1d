import { signCallback } from './callback-signature.ts';
import type { CallbackSender } from './job-engine.ts';
import { tenantCallbackSecret } from './tenant-callback-secret.ts';

/**
 * POST the final job JSON, signed with its tenant's secret (derived from `secret`); any 2xx counts as
 * delivered, redirects are not followed.
 */
export function callbackSender(secret: () => string | undefined): CallbackSender {
  return async (job, signal, tenant) => {
    const root = secret();
    if (!root) return { ok: false, error: 'ECO_JOB_CALLBACK_SECRET is not set' };
    const key = await tenantCallbackSecret(root, tenant);
    const body = JSON.stringify(job);
    const response = await fetch(job.callback?.url ?? '', {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'IndestructibleEco-Jobs/1',
        'x-eco-job-id': job.id,
        'x-eco-signature': await signCallback(key, body, Date.now() / 1000),
      },
      body,
    });
    await response.body?.cancel().catch(() => {});
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return { ok: false, error: failureOf(response) };
  };
}

/**
 * Why a delivery did not count. A redirect says where it pointed: it fails again on every retry until
 * the callback URL is changed, which a bare status would not tell.
 */
function failureOf(response: Response): string {
  const error = `callback answered HTTP ${response.status}`;
  if (response.status < 300 || response.status >= 400) return error;
  const location = response.headers.get('location');
  const to = location === null ? '' : ` (location: ${location.slice(0, 300)})`;
  return `${error}; redirects are not followed${to}`;
}
