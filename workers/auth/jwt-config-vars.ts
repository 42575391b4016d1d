import { EcoError } from '../../schemas/errors.ts';
import { isUnset, readNumber } from '../config/parse-number.ts';
import { shown as shownValue } from '../config/shown-value.ts';

/**
 * Reading ECO_JWT_* values. A value the gateway cannot use is never read as unset or as a nearby
 * value: that would turn the operator's mistake into 401s blaming every caller's token. It becomes a
 * 500 `jwt_misconfigured` naming the variable and what is wrong with it.
 */
export function misconfigured(variable: string, why: string, effect: string): EcoError {
  return new EcoError(500, 'jwt_misconfigured', `${variable} ${why}; ${effect} until it is corrected.`);
}

export const PROVIDER_EFFECT = 'identity-provider tokens are refused';
export const EVERY_TOKEN_EFFECT = 'JWTs are refused';

/**
 * A value is repeated in a message (answered to callers, and logged) only when it has the shape of
 * what belongs there: a secret pasted into the wrong variable is never echoed.
 */
export const shown = (value: string): string => shownValue(value, 24);

/**
 * Unset or blank: null. Text: trimmed. Anything else (wrangler.toml binds `= 123` as a number, `= true` as
 * a boolean) is a mistake to report, never read as unset: an issuer or a secret that went unread would
 * quietly stop being checked or used.
 */
export function textVar(variable: string, value: unknown, effect: string): string | null | EcoError {
  if (isUnset(value)) return null;
  if (typeof value === 'string') return value.trim();
  return misconfigured(variable, `is ${shownValue(value)}, not text (quote it)`, effect);
}

/** A comma-separated list, or a TOML array of strings; unset or blank: empty. Anything else is a mistake. */
export function listVar(variable: string, value: unknown, effect: string): string[] | EcoError {
  if (isUnset(value)) return [];
  const items =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? value
        : null;
  if (items === null) return misconfigured(variable, `is ${shownValue(value)}, not a list of names`, effect);
  return items.map((item) => item.trim()).filter(Boolean);
}

/**
 * Unset or blank: `fallback`. Otherwise a whole number from `min` to `max`, in the syntax every numeric
 * `ECO_*` var has (config/parse-number.ts): digits, or a TOML number, never read as unset.
 */
export function wholeNumber(
  variable: string,
  value: unknown,
  bounds: { fallback: number; min: number; max: number; unit: string },
  effect: string,
): number | EcoError {
  if (isUnset(value)) return bounds.fallback;
  const read = readNumber({ kind: 'whole', ...bounds }, value);
  return 'value' in read ? read.value : misconfigured(variable, read.problem, effect);
}

/** The key set is fetched from it: anything but an absolute http(s) URL with a host fetches nothing. */
export function jwksUrl(value: unknown): string | null | EcoError {
  const text = textVar('ECO_JWT_JWKS_URL', value, PROVIDER_EFFECT);
  if (text === null || typeof text !== 'string') return text;
  const url = parsesAsUrl(text) ? new URL(text) : null;
  if (url && (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '') return text;
  return misconfigured('ECO_JWT_JWKS_URL', 'is not an http(s) URL', PROVIDER_EFFECT);
}

/**
 * One issuer, compared exactly with `iss`. Quotes, spaces and commas are not part of any issuer an
 * identity provider writes (RFC 7519 StringOrURI: with a colon it is a URI): they are a quoting mistake
 * or an attempt at a list, and would refuse every token as from the wrong issuer.
 */
export function issuer(value: unknown): string | null | EcoError {
  const text = textVar('ECO_JWT_ISSUER', value, PROVIDER_EFFECT);
  if (text === null || typeof text !== 'string') return text;
  const bad = (why: string) => misconfigured('ECO_JWT_ISSUER', why, PROVIDER_EFFECT);
  if (/[\s"'`\p{Cc}]/u.test(text))
    return bad(
      "holds quotes, whitespace or control characters; it is compared exactly with the token's `iss`",
    );
  if (text.includes(',')) return bad('holds a comma; it names one issuer');
  if (text.includes(':') && !parsesAsUrl(text)) return bad('holds a colon but is not a URI');
  return text;
}

function parsesAsUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
