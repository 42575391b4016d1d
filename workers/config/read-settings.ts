import { readSettings, type SettingProblem, type Settings } from './check-settings.ts';
import { logConfigurationError } from './configuration-error-log.ts';
import { parseSetting } from './parse-setting.ts';
import { SETTINGS, type SettingName } from './settings.ts';

/**
 * The gateway's settings, read on the request path: each env object is parsed once (the runtime
 * passes the same object to every request while the configuration is unchanged). An unusable value
 * never stops the gateway: it runs with the setting's fallback, the problem is logged once per
 * isolate, and GET /ready answers 503 naming it, so a typo in wrangler.toml is seen at once.
 */
const parsed = new WeakMap<object, { values: Settings; problems: SettingProblem[] }>();
const logged = new Set<string>();

function read(env: object): { values: Settings; problems: SettingProblem[] } {
  let entry = parsed.get(env);
  if (!entry) {
    entry = readSettings(env as Record<string, unknown>);
    parsed.set(env, entry);
    for (const problem of entry.problems) logOnce(problem);
  }
  return entry;
}

export function settings(env: object): Settings {
  return read(env).values;
}

/** The settings of `env` the gateway cannot use as written (for /ready). */
export function settingProblems(env: object): readonly SettingProblem[] {
  return read(env).problems;
}

function logOnce(problem: SettingProblem): void {
  const key = problem.problem;
  if (logged.has(key)) return;
  logged.add(key);
  // Read on behalf of whichever request came first: the mistake is the isolate's, not that request's.
  logConfigurationError({
    code: Object.hasOwn(SETTINGS, problem.name) ? 'setting_unusable' : 'setting_misspelt',
    variable: problem.name,
    message: problem.problem,
    requestId: null,
  });
}

/** One setting from its raw var, for code handed the var rather than the env. Not logged here. */
export function settingFrom<N extends SettingName>(name: N, raw: unknown): Settings[N] {
  return parseSetting(SETTINGS[name], raw).value as Settings[N];
}
