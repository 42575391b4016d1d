import type { Job, JobStatus } from '../../schemas/jobs.ts';
import type { JobRow } from './job-store.ts';

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** The columns the public view reads (a listing loads only these). */
export type JobViewRow = Pick<
  JobRow,
  | 'id'
  | 'type'
  | 'status'
  | 'priority'
  | 'model'
  | 'base_url'
  | 'created_at'
  | 'deadline_at'
  | 'next_run_at'
  | 'attempts'
  | 'max_attempts'
  | 'started_at'
  | 'finished_at'
  | 'result'
  | 'usage'
  | 'error'
  | 'metadata'
  | 'transitions'
  | 'attempt_log'
  | 'callback_url'
  | 'callback_status'
  | 'callback_attempts'
  | 'callback_next_at'
  | 'callback_delivered_at'
  | 'callback_error'
>;

/** The public shape of a stored job: what GET /v1/jobs/<id> answers and what a callback receives. */
export function jobView(row: JobViewRow): Job {
  const status: JobStatus = row.status === 'waiting' ? 'queued' : row.status;
  return {
    id: row.id,
    object: 'job',
    type: row.type,
    status,
    priority: row.priority,
    model: row.model,
    url: `${row.base_url}/v1/jobs/${row.id}`,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    expires_at: row.deadline_at,
    next_attempt_at: row.status === 'waiting' ? row.next_run_at : null,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    result: parse(row.result),
    usage: parse(row.usage),
    // A retry's last error stays visible while it waits; a success clears it.
    error: parse(row.error),
    metadata: parse(row.metadata),
    transitions: parse(row.transitions) ?? [],
    attempt_log: parse(row.attempt_log) ?? [],
    callback:
      row.callback_url === null
        ? null
        : {
            url: row.callback_url,
            status: row.callback_status,
            attempts: row.callback_attempts,
            next_attempt_at: row.callback_status === 'pending' ? row.callback_next_at : null,
            delivered_at: row.callback_delivered_at,
            last_error: row.callback_error,
          },
  };
}
