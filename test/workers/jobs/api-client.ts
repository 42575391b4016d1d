import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';

export const finished = (j: Job) => ['succeeded', 'failed', 'cancelled', 'expired'].includes(j.status);

/** A chat request for `model`. */
export const chat = (model: string, content: string) => ({
  model,
  messages: [{ role: 'user', content }],
});

/** The jobs API as one key calls it through the Worker. */
export function jobsClient(key: string) {
  const call = (path: string, init: RequestInit = {}) =>
    exports.default.fetch(`http://gw${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
  const getJob = async (id: string) => (await (await call(`/v1/jobs/${id}`)).json()) as Job;
  return {
    call,
    getJob,
    /** Submit a chat job (202 expected) and answer it. */
    async submit(model: string, content: string, extra: Record<string, unknown> = {}): Promise<Job> {
      const res = await call('/v1/jobs', {
        method: 'POST',
        body: JSON.stringify({ type: 'chat', request: chat(model, content), ...extra }),
      });
      expect(res.status).toBe(202);
      return (await res.json()) as Job;
    },
    /** Poll (bounded: 1200 × 25 ms) until the job satisfies `until`; answers it as last seen. */
    async pollJob(id: string, until: (job: Job) => boolean): Promise<Job> {
      let job = await getJob(id);
      for (let i = 0; i < 1200 && !until(job); i++) {
        await new Promise((r) => setTimeout(r, 25));
        job = await getJob(id);
      }
      return job;
    },
  };
}
