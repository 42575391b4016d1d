import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  for (const name of ['mf-one', 'mf-two'])
    await seedPool({
      name,
      protocol: 'vllm',
      origins: [
        { id: 'a', url: `http://${name}-a.test`, capacity: 4, weight: 1 },
        { id: 'b"}\n# TYPE x counter\\', url: `http://${name}-b.test`, capacity: 4, weight: 1 },
      ],
      health: { enabled: false, intervalMs: 10_000, timeoutMs: 2000 },
    });
});

/** The metric family a sample line belongs to (histogram series belong to their histogram). */
function family(line: string, histograms: Set<string>): string {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0];
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return histograms.has(base) ? base : name;
}

describe('GET /metrics: Prometheus text exposition', () => {
  it('writes each metric family as one group after its HELP and TYPE, with every pool in it', async () => {
    const res = await exports.default.fetch('http://gw/metrics', {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n').filter((l) => l !== '');
    const histograms = new Set(
      lines.flatMap((l) => {
        const m = /^# TYPE (\S+) histogram$/.exec(l);
        return m ? [m[1]!] : [];
      }),
    );
    const finished = new Set<string>();
    const typed = new Set<string>();
    let current: string | undefined;
    for (const line of lines) {
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+)/.exec(line);
        expect(m, line).not.toBeNull();
        if (m![1] === 'TYPE') typed.add(m![2]!);
        continue;
      }
      const name = family(line, histograms);
      if (name !== current) {
        expect(finished.has(name), `samples of ${name} appear in two groups`).toBe(false);
        if (current) finished.add(current);
        current = name;
      }
      expect(typed.has(name), `${name} sampled before its TYPE`).toBe(true);
      // Hostile label values stay inside their quotes: one sample per line.
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? -?[0-9.e+-]+$/);
    }
    const up = lines.filter((l) => l.startsWith('eco_pool_up{'));
    expect(up.some((l) => l.includes('pool="mf-one"'))).toBe(true);
    expect(up.some((l) => l.includes('pool="mf-two"'))).toBe(true);
  });
});
