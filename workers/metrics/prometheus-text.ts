/** Small helpers to write Prometheus text exposition (format 0.0.4). */

export function labels(values: Record<string, string | number>): string {
  const parts = Object.entries(values).map(
    ([k, v]) => `${k}="${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

export class MetricsWriter {
  readonly #lines: string[] = [];
  readonly #declared = new Set<string>();

  declare(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    if (this.#declared.has(name)) return;
    this.#declared.add(name);
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, values: Record<string, string | number>, value: number): void {
    this.#lines.push(`${name}${labels(values)} ${Number.isFinite(value) ? value : 0}`);
  }

  text(): string {
    return this.#lines.length ? `${this.#lines.join('\n')}\n` : '';
  }
}
