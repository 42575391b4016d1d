import { CounterBatch, type ImMetric, type Labels } from './counters.ts';

/**
 * Webhook counters are buffered per isolate and written at most once a second (in waitUntil), so a
 * flood of forged requests costs one D1 batch per second, not one write per request.
 */
const pending = new CounterBatch();
let scheduled = false;

export function countWebhook(
  database: D1Database,
  waitUntil: (promise: Promise<unknown>) => void,
  add: (batch: { add(metric: ImMetric, labels: Labels, value?: number): void }) => void,
): void {
  add(pending);
  if (scheduled) return;
  scheduled = true;
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, 1000))
      .then(() => pending.flush(database))
      .catch((err) => console.error('im counters flush failed', err))
      .finally(() => {
        scheduled = false;
      }),
  );
}
