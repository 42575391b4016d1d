/**
 * A token bucket refilled continuously: `capacity` per minute, starting full. The level may go
 * below zero when a settled request used more than it reserved; that debt delays later requests.
 */
export interface Bucket {
  level: number;
  at: number;
}

export const MINUTE_MS = 60_000;

export function refill(bucket: Bucket | null, capacity: number, now: number): Bucket {
  if (!bucket) return { level: capacity, at: now };
  const elapsed = Math.max(0, now - bucket.at);
  return { level: Math.min(capacity, bucket.level + (elapsed * capacity) / MINUTE_MS), at: now };
}

/** Milliseconds until the bucket holds `need` (0 if it already does). */
export function waitFor(bucket: Bucket, capacity: number, need: number): number {
  if (bucket.level >= need) return 0;
  return Math.ceil(((need - bucket.level) * MINUTE_MS) / capacity);
}

/** Milliseconds until the bucket is full again (OpenAI's `x-ratelimit-reset-*`). */
export function untilFull(bucket: Bucket, capacity: number): number {
  return waitFor(bucket, capacity, capacity);
}
