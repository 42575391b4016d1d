import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { Job, JobType } from '../../../schemas/jobs.ts';
import type { Env } from '../../../workers/env.ts';
import { registerShard, shardName, shardStub } from '../../../workers/jobs/shards.ts';
import { seedKey } from '../helpers/seed.ts';

const e = env as unknown as Env;

export interface DeadJobInput {
  model: string;
  type?: JobType;
  /** The submitting key's allowed models (default: every model). */
  allowed?: string[] | null;
  /** Prefix of the fresh key's id (a `hold` predicate can tell its runs apart by it). */
  keyPrefix?: string;
}

/**
 * One job shard of `tenant` whose every run fails for good, so each job lands in the dead letter after
 * its one attempt, with its callback delivered; runs and callbacks are counted per job. `hold` keeps a
 * run open while it answers true (polled: a promise made in a test cannot be settled from the object's
 * context).
 */
export async function deadLetterShard(
  tenant: string,
  hold: (job: { key_id: string }) => boolean = () => false,
) {
  const runs = new Map<string, number>();
  const callbacks = new Map<string, number>();
  const bump = (counts: Map<string, number>, id: string) => counts.set(id, (counts.get(id) ?? 0) + 1);
  await registerShard(e, tenant, 0);
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  await runInDurableObject(ns.get(ns.idFromName(shardName(tenant, 0))), (q: JobQueue) =>
    q.setHooks({
      execute: async (job) => {
        bump(runs, job.id);
        for (let i = 0; i < 2000 && hold(job); i++) await new Promise((r) => setTimeout(r, 5));
        return {
          kind: 'failed',
          retryable: false,
          error: { message: 'refused', type: 'invalid_request_error', code: 'refused', status: 400 },
        };
      },
      sendCallback: async (job) => {
        bump(callbacks, job.id);
        return { ok: true };
      },
    }),
  );
  const shard = () => shardStub(e, tenant, 0);

  /** The job as stored, polled (bounded: 400 × 10 ms) until `done`. */
  async function until(id: string, done: (job: Job) => boolean): Promise<Job> {
    let job = (await shard().get(id, null)) as Job;
    for (let i = 0; i < 400 && !done(job); i++) {
      await new Promise((r) => setTimeout(r, 10));
      job = (await shard().get(id, null)) as Job;
    }
    return job;
  }

  const settled = (j: Job) => j.status === 'failed' && j.callback?.status === 'delivered';

  /** A job of a fresh key that has failed and delivered its callback. */
  async function deadJob(input: DeadJobInput): Promise<{ job: Job; keyId: string }> {
    const { model, type = 'chat', allowed = null, keyPrefix = 'key_dead_' } = input;
    const keyId = `${keyPrefix}${crypto.randomUUID().slice(0, 8)}`;
    await seedKey({ id: keyId, tenant, scopes: ['inference', 'jobs'], allowedModels: allowed });
    const request =
      type === 'chat' ? { model, messages: [{ role: 'user', content: keyId }] } : { model, prompt: keyId };
    const submitted = await shard().submit({
      tenant,
      keyId,
      type,
      priority: 'normal',
      model,
      request,
      callbackUrl: 'https://hooks.example.com/done',
      baseUrl: 'http://gw',
      timeoutMs: 60_000,
      maxAttempts: 1,
    });
    if (!submitted.ok) throw new Error(`not submitted: ${submitted.reason}`);
    const job = await until(submitted.job.id, settled);
    if (!settled(job)) throw new Error(`job ${job.id} did not settle: ${job.status}`);
    return { job, keyId };
  }

  /** `POST /admin/jobs/<id>/replay` as `adminKey`. */
  async function replay(adminKey: string, id: string) {
    const res = await exports.default.fetch(`http://gw/admin/jobs/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const body = (await res.json()) as Job & {
      error: { code: string; message: string; param: string | null };
    };
    return { status: res.status, body };
  }

  /** Nothing moved: the job as it was, one run and one callback. */
  async function untouched(job: Job) {
    return {
      stored: await shard().get(job.id, null),
      runs: runs.get(job.id),
      callbacks: callbacks.get(job.id),
    };
  }

  return { runs, callbacks, shard, until, settled, deadJob, replay, untouched };
}
