import { parse } from 'yaml';
import { normalizeLineBreaks } from '../parse/line-breaks.ts';
import { shorten } from '../parse/numbers.ts';
import { RULES } from '../rules/index.ts';
import { DEFAULT_POLICY, type Policy } from './default-policy.ts';
import { toExactNumbers } from './exact-integers.ts';
import { patternHazard } from './pattern-safety.ts';
import { type PolicyOverride, policyOverrideSchema } from './policy-schema.ts';

export type PolicyResult = { ok: true; policy: Policy } | { ok: false; error: string };

// Each key `rules` may use (a code or a name) to the rule's code. A misspelt rule key, absent here,
// would leave that rule at its default severity without a word.
const CODE_OF: ReadonlyMap<string, string> = new Map(
  RULES.flatMap((rule) => [
    [rule.code, rule.code],
    [rule.name, rule.code],
  ]),
);

// A file that could not be parsed or checked is never silently clean: these are always reported, and
// fail the run unless the policy says, in a key of its own, that such files may pass.
const ALWAYS_REPORTED: ReadonlySet<string> = new Set(['QY000', 'QY001', 'QY002']);

/** Validates an already-parsed policy object (e.g. from a JSON request body) and merges it over the defaults. */
export function resolvePolicy(input: unknown): PolicyResult {
  if (input === undefined || input === null) return { ok: true, policy: DEFAULT_POLICY };
  // Integers read exactly (bigints, from a policy file or parseJsonExact) are refused beyond 2^53.
  const exact = toExactNumbers(input);
  if (!exact.ok) return { ok: false, error: `invalid policy: ${exact.error}` };
  const parsed = policyOverrideSchema.safeParse(exact.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: `invalid policy: ${where}${issue?.message ?? 'unknown error'}` };
  }
  const unknownRule = Object.keys(parsed.data.rules ?? {}).find((key) => !CODE_OF.has(key));
  if (unknownRule !== undefined) {
    const hint = 'use a code (QY031) or a name (lifecycle-policy)';
    return { ok: false, error: `invalid policy: rules.${shorten(unknownRule)}: unknown rule; ${hint}` };
  }
  const twice = setTwice(Object.keys(parsed.data.rules ?? {}));
  if (twice) return { ok: false, error: `invalid policy: ${twice}` };
  const lowered = uncheckedLowered(parsed.data);
  if (lowered) return { ok: false, error: `invalid policy: ${lowered}` };
  const policy = mergePolicy(parsed.data);
  try {
    new RegExp(policy.schemaVersionPattern);
  } catch {
    return { ok: false, error: 'invalid policy: schemaVersionPattern is not a valid regular expression' };
  }
  const hazard = patternHazard(policy.schemaVersionPattern);
  if (hazard) return { ok: false, error: `invalid policy: schemaVersionPattern: ${hazard}` };
  return { ok: true, policy };
}

/** Parses a policy file; JSON is valid YAML, so one parser reads both. */
export function parsePolicyText(text: string): PolicyResult {
  let data: unknown;
  try {
    data = parse(normalizeLineBreaks(text), { maxAliasCount: 100, intAsBigInt: true });
  } catch (error) {
    const first = (error as Error).message.split('\n')[0]!.replace(/:$/, '');
    // The parser's advice names its own API; the author needs to know what is wrong with the file.
    const message = first.startsWith('Source contains multiple documents')
      ? 'the file holds more than one YAML document'
      : first;
    return { ok: false, error: `policy file does not parse: ${message}` };
  }
  return resolvePolicy(data ?? {});
}

/**
 * QY000-QY002 turned off, or lowered below error without `acceptUncheckedFiles: true`: one mistyped
 * rule key (QY001 for QY011) would otherwise let YAML that does not even parse through CI with exit 0.
 */
function uncheckedLowered(override: PolicyOverride): string | undefined {
  for (const [key, severity] of Object.entries(override.rules ?? {})) {
    if (!ALWAYS_REPORTED.has(CODE_OF.get(key)!) || severity === 'error') continue;
    const what = 'a file that cannot be parsed or fully checked';
    if (severity === 'off') return `rules.${key}: cannot be off; ${what} is always reported`;
    if (override.acceptUncheckedFiles !== true) {
      return `rules.${key}: ${severity} would let ${what} pass; set acceptUncheckedFiles: true as well to allow it`;
    }
  }
  return undefined;
}

/** A rule given both by its code and by its name: which severity wins would be a silent choice. */
function setTwice(keys: readonly string[]): string | undefined {
  const first = new Map<string, string>();
  for (const key of keys) {
    const code = CODE_OF.get(key)!;
    const earlier = first.get(code);
    if (earlier !== undefined) return `rules.${key}: ${code} is already set as rules.${earlier}; set it once`;
    first.set(code, key);
  }
  return undefined;
}

function mergePolicy(override: PolicyOverride): Policy {
  const { limits, generate, rules, acceptUncheckedFiles: _accepted, ...lists } = override;
  return {
    ...DEFAULT_POLICY,
    ...stripUndefined(lists),
    rules: { ...DEFAULT_POLICY.rules, ...rules },
    limits: { ...DEFAULT_POLICY.limits, ...stripUndefined(limits ?? {}) },
    generate: { ...DEFAULT_POLICY.generate, ...stripUndefined(generate ?? {}) },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
