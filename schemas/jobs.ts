import { z } from '@hono/zod-openapi';
import { PriorityClass } from './config.ts';

/** Durable async jobs: the wire shapes of /v1/jobs and the plain records the JobQueue object returns. */
export const JobType = z.enum(['chat', 'completion']);
export type JobType = z.infer<typeof JobType>;

export const JobStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired']);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'expired'];

/** The longest a job may live before it expires (one day). */
export const MAX_JOB_TIMEOUT_S = 86_400;

export const CreateJobRequest = z
  .object({
    type: JobType,
    /** The sync API's request body; validated against that API's schema by type. */
    request: z.record(z.string(), z.unknown()),
    priority: PriorityClass.default('normal'),
    timeout_seconds: z.number().int().min(1).max(MAX_JOB_TIMEOUT_S).optional(),
    callback_url: z.string().max(2048).optional(),
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 metadata entries')
      .optional(),
  })
  .openapi('CreateJobRequest');
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JobError = z
  .object({
    message: z.string(),
    type: z.string(),
    code: z.string().nullable(),
    status: z.number().int().nullable(),
  })
  .openapi('JobError');
export type JobError = z.infer<typeof JobError>;

export const JobTransition = z
  .object({
    status: JobStatus,
    at: z.number().int().openapi({ description: 'Unix milliseconds.' }),
    attempt: z.number().int().optional(),
    note: z.string().optional(),
  })
  .openapi('JobTransition');
export type JobTransition = z.infer<typeof JobTransition>;

export const JobAttempt = z
  .object({
    attempt: z.number().int(),
    started_at: z.number().int(),
    ended_at: z.number().int().nullable(),
    outcome: z.string(),
    error: JobError.nullable(),
  })
  .openapi('JobAttempt');
export type JobAttempt = z.infer<typeof JobAttempt>;

export const JobCallback = z
  .object({
    url: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']).nullable(),
    attempts: z.number().int(),
    next_attempt_at: z.number().int().nullable(),
    delivered_at: z.number().int().nullable(),
    last_error: z.string().nullable(),
  })
  .openapi('JobCallback');
export type JobCallback = z.infer<typeof JobCallback>;

export const Job = z
  .object({
    id: z.string(),
    object: z.literal('job'),
    type: JobType,
    status: JobStatus,
    priority: PriorityClass,
    model: z.string(),
    url: z.string(),
    created_at: z.number().int().openapi({ description: 'Unix milliseconds.' }),
    started_at: z.number().int().nullable(),
    finished_at: z.number().int().nullable(),
    expires_at: z.number().int().openapi({ description: 'The deadline: still unfinished then, it expires.' }),
    next_attempt_at: z.number().int().nullable(),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    result: z.record(z.string(), z.unknown()).nullable().openapi({
      description: 'The chat.completion or text_completion object, exactly as the sync API answers.',
    }),
    usage: z.record(z.string(), z.unknown()).nullable(),
    error: JobError.nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    transitions: z.array(JobTransition),
    attempt_log: z.array(JobAttempt),
    callback: JobCallback.nullable(),
  })
  .openapi('Job');
export type Job = z.infer<typeof Job>;

export const JobList = z
  .object({
    object: z.literal('list'),
    data: z.array(Job),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .openapi('JobList');
export type JobList = z.infer<typeof JobList>;
