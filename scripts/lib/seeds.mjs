import { readdirSync } from 'node:fs';
import { ROOT } from './procs.mjs';

/**
 * Local seed modules in scripts/lib/seeds/*.mjs. Each may export
 * `seedSql(ctx) → string` (appended to the seed run against local D1) and
 * `vars(ctx) → Record<string,string>` (passed to wrangler dev as --var).
 * ctx: { origins, apiKey, gatewayPort, emulatorPort, env }.
 */
export async function loadSeeds() {
  const dir = `${ROOT}scripts/lib/seeds/`;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort();
  return Promise.all(files.map((f) => import(`${dir}${f}`)));
}
