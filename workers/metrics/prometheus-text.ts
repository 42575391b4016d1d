/** Small helpers to write Prometheus text exposition (format 0.0.4). */

export function labels(values: Record<string, string | number>): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${k}="${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/**
 * Collects samples by metric family, in any order, and writes each family as one group after its
 * `# HELP` and `# TYPE`: the format requires a family's lines to be contiguous, and callers write
 * per pool or origin (every family for one, then every family for the next).
 */
export class MetricsWriter {
  readonly #families = new Map<string, { header: string[]; samples: string[] }>();
  readonly #histograms = new Set<string>();

  declare(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    if (this.#families.has(name)) return;
    this.#families.set(name, { header: [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`], samples: [] });
    if (type === 'histogram') this.#histograms.add(name);
  }

  sample(name: string, values: Record<string, string | number>, value: number): void {
    this.#family(name).samples.push(`${name}${labels(values)} ${Number.isFinite(value) ? value : 0}`);
  }

  text(): string {
    const lines = [...this.#families.values()].flatMap((f) => [...f.header, ...f.samples]);
    return lines.length ? `${lines.join('\n')}\n` : '';
  }

  /** A histogram's `_bucket`, `_sum` and `_count` series belong to the histogram's family. */
  #family(name: string): { header: string[]; samples: string[] } {
    const histogram = name.replace(HISTOGRAM_SERIES, '');
    const key = !this.#families.has(name) && this.#histograms.has(histogram) ? histogram : name;
    let family = this.#families.get(key);
    if (!family) {
      family = { header: [], samples: [] };
      this.#families.set(key, family);
    }
    return family;
  }
}
