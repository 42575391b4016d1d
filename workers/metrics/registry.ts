import type { Env } from '../env.ts';
import { jobMetricsText } from './job-metrics.ts';
import { poolMetricsText } from './pool-metrics.ts';

/**
 * Sources of `GET /metrics` lines, each returning Prometheus text (with its own `# HELP`/`# TYPE`).
 * A subsystem adds its function here; each must aggregate across isolates (read a Durable Object or
 * D1, never isolate memory). A failing source is skipped and counted, never fails the scrape.
 */
export type MetricsSource = (env: Env) => Promise<string>;

export const metricsSources: MetricsSource[] = [poolMetricsText, jobMetricsText];
