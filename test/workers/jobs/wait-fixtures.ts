import { env } from 'cloudflare:workers';
import { JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import type { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import type { WaitKind } from '../../../durable-objects/job-queue/limit-wait.ts';
import { selfExecutor } from '../../../durable-objects/job-queue/self-executor.ts';
import type { Env } from '../../../workers/env.ts';
import { engineConfig, type manualClock } from './helpers.ts';

/**
 * The gateway as a job's self call meets it, for the runs that are waits rather than attempts: the
 * key's own limits (limit-wait) and the engine pools' capacity (capacity wait).
 */
export type Clock = ReturnType<typeof manualClock>;

export const completion = () =>
  Response.json({
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });

/**
 * An error as the gateway answers it, Retry-After in seconds and milliseconds. `byPool`: the engine
 * pool refused before any origin saw the request, which the gateway says with `x-eco-refused-by: pool`.
 */
export function refusal(
  status: number,
  code: string,
  retryAfterMs: number,
  { byPool = false }: { byPool?: boolean } = {},
): Response {
  return Response.json(
    { error: { message: `refused: ${code}`, type: 'rate_limit_error', param: null, code } },
    {
      status,
      headers: {
        'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
        'retry-after-ms': String(retryAfterMs),
        ...(byPool ? { 'x-eco-refused-by': 'pool' } : {}),
      },
    },
  );
}

/** One refusal of each kind of wait, as the gateway sends it. */
export interface WaitCase {
  kind: WaitKind;
  code: string;
  refuse: (retryAfterMs: number) => Response;
}

export const WAITS: WaitCase[] = [
  {
    kind: 'limit',
    code: 'rate_limit_exceeded',
    refuse: (ms) => refusal(429, 'rate_limit_exceeded', ms),
  },
  {
    kind: 'capacity',
    code: 'pool_saturated',
    refuse: (ms) => refusal(429, 'pool_saturated', ms, { byPool: true }),
  },
];

/** The job a self call runs, from its `x-request-id` (`<job id>.<attempt>`). */
export const jobOfCall = (init: RequestInit) =>
  String((init.headers as Record<string, string>)['x-request-id']).split('.')[0]!;

/** A gateway that answers every self call with `answer(<job id>)`, recording which job called. */
export function gatewayAnswering(answer: (jobId: string) => Response) {
  const calls: string[] = [];
  const fetcher = {
    fetch: async (_url: string, init: RequestInit) => {
      const job = jobOfCall(init);
      calls.push(job);
      return answer(job);
    },
  } as unknown as Fetcher;
  return { fetcher, calls };
}

/** The engine with the real self executor over `fetcher`, on the test's clock, with no jitter variance. */
export function engineFor(store: JobStore, clock: Clock, fetcher: Fetcher, concurrency = 4) {
  return new JobEngine({
    store,
    execute: selfExecutor(env as unknown as Env, () => fetcher),
    sendCallback: async () => ({ ok: true }),
    config: engineConfig({ concurrency, retry: { baseMs: 1000, maxMs: 8000 } }),
    now: clock.now,
    random: () => 0.5,
  });
}

/** Drains as the object's alarm would, moving the clock to each time the drain asks to run again. */
export async function runToEnd(engine: JobEngine, store: JobStore, clock: Clock, ids: string[]) {
  const wakes: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const next = await engine.drain();
    if (ids.every((id) => store.get(id)!.finished_at !== null) || next === null) return wakes;
    wakes.push(next);
    clock.set(Math.max(next, clock.now()));
  }
  throw new Error('the jobs did not finish');
}

/** The transitions of a job that note a wait of `kind`. */
export const waitNotes = (store: JobStore, id: string, kind: WaitKind) =>
  jobView(store.get(id)!).transitions.filter((t) => t.note?.startsWith(`${kind} wait`));
