/**
 * IM counters, aggregated across chats and isolates in D1 (`im_counters`). Callers collect deltas in a
 * CounterBatch and write them with one D1 batch per unit of work (a webhook, a drain pass).
 */
export type Labels = Record<string, string>;

export const IM_METRICS = {
  im_webhook_requests_total: 'Webhook requests by result (accepted, or why they were refused).',
  im_events_total:
    'Platform events by what happened to them (queued, duplicate, ignored, not_addressed, malformed, platform_error, left).',
  im_replies_total:
    'Inbound messages by final outcome (answered, command, welcome, not_text, apology, rate_limited, not_addressed, undeliverable, chat_left, quota_exhausted, bot_loop).',
  im_reply_failures_total:
    'Failed reply attempts by stage (model, send, internal); each is retried with backoff.',
  im_replies_truncated_total: 'Answers cut at the reply size cap (ECO_IM_MAX_REPLY_PARTS) before sending.',
  im_indicator_failures_total:
    'Typing/loading indicator calls and Telegram button-tap acknowledgements that failed; ignored (never retried), the reply goes out regardless.',
} as const;
export type ImMetric = keyof typeof IM_METRICS;

export function labelString(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map(
      (k) =>
        `${k}="${String(labels[k]).replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`,
    )
    .join(',');
}

export class CounterBatch {
  readonly #deltas = new Map<string, { metric: ImMetric; labels: string; value: number }>();

  add(metric: ImMetric, labels: Labels, value = 1): void {
    if (value === 0) return;
    const ls = labelString(labels);
    const key = `${metric}{${ls}}`;
    const entry = this.#deltas.get(key);
    if (entry) entry.value += value;
    else this.#deltas.set(key, { metric, labels: ls, value });
  }

  get size(): number {
    return this.#deltas.size;
  }

  /** Write and forget the deltas (one D1 batch). On failure they are kept for the next flush. */
  async flush(database: D1Database): Promise<void> {
    if (this.#deltas.size === 0) return;
    const entries = [...this.#deltas.entries()];
    this.#deltas.clear();
    const statement = database.prepare(
      'INSERT INTO im_counters (metric, labels, value) VALUES (?, ?, ?) ON CONFLICT(metric, labels) DO UPDATE SET value = value + excluded.value',
    );
    try {
      await database.batch(entries.map(([, e]) => statement.bind(e.metric, e.labels, e.value)));
    } catch (err) {
      for (const [key, e] of entries) {
        const current = this.#deltas.get(key);
        if (current) current.value += e.value;
        else this.#deltas.set(key, e);
      }
      throw err;
    }
  }
}
