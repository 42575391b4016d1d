/**
 * Reads the handful of gauges the gateway routes on from Prometheus text exposition. Series with
 * labels are summed per metric name (one value per engine process is the common case).
 */
export function readGauges(text: string, names: readonly string[]): Map<string, number> {
  const wanted = new Set(names);
  const out = new Map<string, number>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const nameEnd = brace !== -1 && brace < space ? brace : space;
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    if (!wanted.has(name)) continue;
    const valueStart = brace !== -1 && brace < space ? line.indexOf('}', brace) + 1 : nameEnd;
    const value = Number.parseFloat(line.slice(valueStart).trim().split(/\s+/)[0] ?? '');
    if (!Number.isFinite(value)) continue;
    out.set(name, (out.get(name) ?? 0) + value);
  }
  return out;
}
