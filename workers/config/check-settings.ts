import { misspeltSetting } from './misspelt-names.ts';
import { parseSetting } from './parse-setting.ts';
import type { SettingValue } from './setting-kinds.ts';
import { SETTINGS, type SettingName } from './settings.ts';

/** Every setting of the table, as the gateway runs with it. */
export type Settings = { readonly [K in SettingName]: SettingValue<(typeof SETTINGS)[K]> };

/**
 * A configured var the gateway cannot use, and why (never the value itself unless plainly harmless):
 * an unusable value, or a name that misspells a setting (which then keeps its default).
 */
export interface SettingProblem {
  name: string;
  problem: string;
}

const NAMES = Object.keys(SETTINGS) as SettingName[];

/** The values to run with from a set of vars, and each var that could not be used as written. */
export function readSettings(vars: Record<string, unknown>): {
  values: Settings;
  problems: SettingProblem[];
} {
  const values: Record<string, unknown> = {};
  const problems: SettingProblem[] = [];
  for (const name of NAMES) {
    const parsed = parseSetting(SETTINGS[name], vars[name]);
    values[name] = parsed.value;
    if (parsed.problem !== null) problems.push({ name, problem: `${name} ${parsed.problem}` });
  }
  for (const name of Object.keys(vars)) {
    const meant = misspeltSetting(name);
    if (meant !== null)
      problems.push({ name, problem: `${name} is not a setting the gateway reads; did you mean ${meant}?` });
  }
  return { values: Object.freeze(values) as Settings, problems };
}

/**
 * The unusable settings among `vars` (a Worker's env, or a wrangler.toml environment's vars as
 * wrangler reads them), so a deployment can be refused before it runs with them. Empty when all is well.
 */
export function checkSettings(vars: Record<string, unknown>): SettingProblem[] {
  return readSettings(vars).problems;
}
