/**
 * A configured value as it may be repeated (in an answer, in /ready, in a log): only when short and
 * plain, so a secret pasted into the wrong variable is never echoed. Anything else is named by its kind.
 */
export function shown(raw: unknown, longest = 12): string {
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw !== 'string') return Array.isArray(raw) ? 'a list' : 'an object';
  const text = raw.trim();
  return text.length <= longest && /^[A-Za-z0-9._+-]+$/.test(text) ? `'${text}'` : 'a value';
}
