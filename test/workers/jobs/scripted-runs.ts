import { expect } from 'vitest';
import { type ExecOutcome, JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import { type JobRow, type JobStore, jobError } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { engineConfig } from './helpers.ts';
import type { Clock } from './wait-fixtures.ts';

/** Engine-level tests of wake-ups: a gateway scripted per job, and an engine over a store and a clock. */

export const success: ExecOutcome = { kind: 'succeeded', result: { ok: true }, usage: null };

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * A gateway scripted per job: each run of a job takes the next answer of its script. An answer is an
 * outcome, or a gate the test opens later (the run is in flight until then). Records each run's job
 * id and the clock's time.
 */
export function scripted(clock: Clock, scripts: Record<string, (ExecOutcome | 'held')[]>) {
  const runs: { id: string; at: number }[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<ExecOutcome>>>();
  const execute = async (job: JobRow, signal: AbortSignal): Promise<ExecOutcome> => {
    runs.push({ id: job.id, at: clock.now() });
    const answer = scripts[job.id]?.shift() ?? success;
    if (answer !== 'held') return answer;
    const gate = deferred<ExecOutcome>();
    gates.set(job.id, gate);
    signal.addEventListener('abort', () =>
      gate.resolve({ kind: 'failed', retryable: true, error: jobError(null, 'job_aborted', 'aborted') }),
    );
    return gate.promise;
  };
  /** Let the held run of `id` answer `outcome`. */
  const finish = (id: string, outcome: ExecOutcome = success) => {
    const gate = gates.get(id);
    if (!gate) throw new Error(`${id} is not held`);
    gates.delete(id);
    gate.resolve(outcome);
  };
  return { execute, runs, ids: () => runs.map((r) => r.id), finish, held: () => [...gates.keys()] };
}

export function scriptedEngine(
  store: JobStore,
  clock: Clock,
  execute: ReturnType<typeof scripted>['execute'],
  options: { concurrency: number; capacityPeers?: (model: string) => Promise<readonly string[]> },
): JobEngine {
  return new JobEngine({
    store,
    execute,
    ...(options.capacityPeers ? { capacityPeers: options.capacityPeers } : {}),
    sendCallback: async () => ({ ok: true }),
    config: engineConfig({ concurrency: options.concurrency }),
    now: clock.now,
    random: () => 0.5,
  });
}

/** Yield to the engine until `done` holds (bounded: the engine's steps are promise callbacks). */
export async function settle(done: () => boolean) {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(done()).toBe(true);
}

export const status = (store: JobStore, id: string) => jobView(store.get(id)!).status;
export const waiting = (store: JobStore, id: string) => store.get(id)!.status === 'waiting';
