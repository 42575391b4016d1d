import type { Env } from '../env.ts';
import { IM_METRICS, type ImMetric } from './counters.ts';

/** The IM counters in Prometheus text exposition format, read from D1 (the same figures for every isolate). */
export async function imMetricsText(env: Env): Promise<string> {
  const { results } = await env.DB.prepare(
    'SELECT metric, labels, value FROM im_counters ORDER BY metric, labels',
  ).all<{ metric: string; labels: string; value: number }>();
  const lines: string[] = [];
  for (const metric of Object.keys(IM_METRICS) as ImMetric[]) {
    lines.push(`# HELP ${metric} ${IM_METRICS[metric]}`, `# TYPE ${metric} counter`);
    for (const row of results) {
      if (row.metric === metric) lines.push(`${metric}{${row.labels}} ${row.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
