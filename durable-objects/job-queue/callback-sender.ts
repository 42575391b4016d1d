import { signCallback } from './callback-signature.ts';
import type { CallbackSender } from './job-engine.ts';

/** POST the final job JSON, signed; any 2xx counts as delivered, redirects are not followed. */
export function callbackSender(secret: () => string | undefined): CallbackSender {
  return async (job, signal) => {
    const key = secret();
    if (!key) return { ok: false, error: 'ECO_JOB_CALLBACK_SECRET is not set' };
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
    return response.status >= 200 && response.status < 300
      ? { ok: true }
      : { ok: false, error: `callback answered HTTP ${response.status}` };
  };
}
