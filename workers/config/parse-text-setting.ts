import type { Parsed } from './parse-setting.ts';
import type { UrlSetting } from './setting-kinds.ts';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
/** A host as browsers put it in an Origin header: a lower-case (punycode) name or address. */
const HOST = /^([a-z0-9-]+(\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$/;
/** Scheme and authority are repeated in a problem only when they are plainly a host name, never a secret. */
const PLAIN_AUTHORITY = /^[A-Za-z0-9.*:[\]-]{1,253}$/;

type Entry = { origin: string | null; issue: string | null };

/**
 * ECO_CORS_ORIGINS: a comma list (or a TOML list) of exact origins, `*` alone for any. An entry that is
 * not an origin is left out and named; it never becomes a wildcard. A trailing slash is unambiguous, so
 * that entry is kept, and named so the list gets written as browsers send it.
 */
export function parseOrigins(raw: unknown): Parsed {
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list) || !list.every((e) => typeof e === 'string'))
    return {
      value: Object.freeze([]),
      problem: 'is not a comma list of origins; no browser origin is allowed until it is corrected',
    };
  const origins = new Set<string>();
  const issues: string[] = [];
  list.forEach((text, i) => {
    const entry = text.trim();
    if (entry === '') return;
    const { origin, issue } = originOf(entry);
    if (origin !== null) origins.add(origin);
    if (issue !== null) issues.push(`entry ${i + 1}${issue}`);
  });
  const value = Object.freeze([...origins]);
  if (issues.length === 0) return { value, problem: null };
  const allowed = value.includes('*')
    ? 'every origin is allowed'
    : value.length > 0
      ? `only ${value.join(', ')} ${value.length === 1 ? 'is' : 'are'} allowed`
      : 'no browser origin is allowed';
  return { value, problem: `${issues.join('; ')}; ${allowed} until it is corrected` };
}

function originOf(entry: string): Entry {
  if (entry === '*') return { origin: '*', issue: null };
  const drop = (issue: string): Entry => ({ origin: null, issue });
  if (entry.toLowerCase() === 'null') return drop(' is null, which sandboxed pages and files all send');
  const scheme = SCHEME.exec(entry)?.[1]?.toLowerCase();
  if (scheme === undefined) return drop(entry.includes('*') ? ' has a wildcard' : ' has no scheme');
  const rest = entry.slice(scheme.length + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  if (authority.includes('@')) return drop(' has a user name or password');
  const shown = PLAIN_AUTHORITY.test(authority) || authority === '' ? ` (${scheme}://${authority})` : '';
  if (scheme !== 'http' && scheme !== 'https') return drop(`${shown} is not an http or https origin`);
  if (authority.includes('*')) return drop(`${shown} has a wildcard`);
  if (/[?#]/.test(tail)) return drop(`${shown} has a query or fragment`);
  if (tail !== '' && tail !== '/') return drop(`${shown} has a path`);
  let origin: string;
  try {
    const url = new URL(`${scheme}://${authority}`);
    if (!HOST.test(url.hostname)) return drop(`${shown} is not an origin`);
    origin = url.origin;
  } catch {
    return drop(`${shown} is not an origin`);
  }
  return { origin, issue: tail === '/' ? ` (${origin}) ends in a slash` : null };
}

/** An API base URL: absolute http(s), no query or fragment (paths are appended to it), no credentials. */
export function parseBaseUrl(setting: UrlSetting, raw: unknown): Parsed {
  const why = typeof raw === 'string' ? baseUrlIssue(raw.trim()) : 'it is not text';
  if (why === null) return { value: (raw as string).trim().replace(/\/+$/, ''), problem: null };
  return {
    value: setting.default,
    // The URL itself is never repeated: a path or query may carry a token.
    problem: `is not an absolute http(s) URL without query or fragment (${why}); ${setting.default} is used until it is corrected`,
  };
}

export function baseUrlIssue(text: string): string | null {
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'it has no scheme';
  if (scheme !== 'http' && scheme !== 'https') return 'its scheme is not http or https';
  if (/[?#]/.test(text)) return 'it has a query or fragment';
  if (/\s/.test(text)) return 'it does not parse';
  try {
    const url = new URL(text);
    if (url.username !== '' || url.password !== '') return 'it has a user name or password';
  } catch {
    return 'it does not parse';
  }
  return null;
}
