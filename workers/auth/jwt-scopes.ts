import type { JWTPayload } from 'jose';
import type { Scope } from '../principal.ts';
import { SCOPES } from '../principal.ts';
import { jwtErrors } from './jwt-errors.ts';

const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);
/** A claim's text as a message shows it: quoted, and cut short past 64 characters. */
export const shown = (value: string) => JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
const GATEWAY_SCOPES = SCOPES.join(', ');

/** Edit distance with adjacent transpositions (`amdin`), stopping early past `max`. */
function distanceWithin(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]! <= max;
}

/** The gateway scope `value` looks like a mistake for: another case, or one or two letters off. */
export function nearMissOf(value: string): Scope | undefined {
  const lower = value.toLowerCase();
  return SCOPES.find((scope) => distanceWithin(lower, scope, scope.length > 5 ? 2 : 1));
}

/** A claim's values: a space-separated string or a list of strings; anything else is unreadable. */
function values(claim: string, value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw jwtErrors.claims(`'${claim}' must be a space-separated string or a list of strings`);
}

/**
 * An identity provider's scopes. `scope` and `scp` are shared with the provider's other APIs: names
 * that mean nothing here are ignored, but a near miss of a gateway scope (`inferance`, `Jobs`) is
 * refused, since it would silently grant less than meant. `admin` is never read from them: a role
 * called `admin` in another app of the provider would make its holders superusers of the gateway.
 * `eco_scopes` is the gateway's own claim, the only one that grants `admin`: every value must be a
 * gateway scope. No gateway scope at all: the default, `inference`.
 */
export function providerScopes(payload: JWTPayload): Scope[] {
  const granted = new Set<Scope>();
  for (const claim of ['scope', 'scp', 'eco_scopes'] as const) {
    const value = payload[claim];
    if (value === undefined || value === null) continue;
    const names = values(claim, value);
    if (claim === 'eco_scopes' && names.length === 0)
      throw jwtErrors.claims(`'eco_scopes' must name at least one of ${GATEWAY_SCOPES}`);
    const shared = claim !== 'eco_scopes';
    for (const name of names) {
      if (isScope(name)) {
        if (!(shared && name === 'admin')) granted.add(name);
        continue;
      }
      const near = nearMissOf(name);
      // In a shared claim `admin` is another API's name, and so are the names close to it.
      if (!shared || (near !== undefined && near !== 'admin')) {
        const hint = near === undefined ? '' : ` (did you mean '${near}'?)`;
        throw jwtErrors.claims(
          `'${claim}' holds ${shown(name)}, which is not a gateway scope${hint}; they are ${GATEWAY_SCOPES}`,
        );
      }
    }
  }
  return granted.size > 0 ? [...granted] : ['inference'];
}
