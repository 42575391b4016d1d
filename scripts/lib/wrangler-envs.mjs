import { readFileSync } from 'node:fs';
import { ROOT } from './procs.mjs';

/** The environments wrangler.toml defines (`[env.<name>]`), so a typo is refused before wrangler runs. */
export function wranglerEnvs(toml = readFileSync(`${ROOT}wrangler.toml`, 'utf8')) {
  const names = new Set();
  for (const match of toml.matchAll(/^\s*\[\[?env\.([A-Za-z0-9_-]+)[\].]/gm)) names.add(match[1]);
  return [...names];
}
