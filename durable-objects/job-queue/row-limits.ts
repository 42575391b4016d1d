/**
 * What one job may hold. A Durable Object's SQLite row holds at most 2 MB: a job's result lives in its
 * `jobs` row and its request in a `job_requests` row of its own, so each may be up to 1 MiB.
 */

/** The largest request a job stores (its JSON as stored, in UTF-8 bytes). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** The largest answer a job keeps. */
export const MAX_RESULT_BYTES = 1024 * 1024;

/** UTF-8 size of a value as the row stores it. */
export function storedBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).byteLength;
}
