import { usageEvents } from '../../schemas/db/usage.ts';
import { db } from '../data/db.ts';

export interface UsageRecord {
  requestId: string;
  keyId: string | null;
  tenant: string | null;
  model: string;
  pool: string | null;
  origin: string | null;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
  status: number;
  latencyMs: number;
  ttftMs: number | null;
  streamed: boolean;
}

/** One usage row per request, written off the hot path (the caller hands the promise to waitUntil). */
export async function recordUsage(
  database: D1Database,
  record: UsageRecord,
  now = Date.now(),
): Promise<void> {
  await db(database)
    .insert(usageEvents)
    .values({ id: crypto.randomUUID(), ...record, createdAt: now });
}
