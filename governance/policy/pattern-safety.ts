// schemaVersionPattern comes from policy files and from HTTP request bodies. JavaScript regular
// expressions backtrack, so a pattern such as `^(a+)+$` can take exponential time on a short value.
// Patterns are kept to a shape whose matching time stays polynomial and small: no back-references,
// no repeated group (only `?` may follow a group), and few branch points. Values are also capped
// in length before matching (MAX_MATCHED_LENGTH), which bounds the remaining polynomial.

export const MAX_PATTERN_BRANCHES = 4;
export const MAX_MATCHED_LENGTH = 64;

/** Why a pattern could backtrack without bound, or undefined when its shape is safe. */
export function patternHazard(pattern: string): string | undefined {
  let branches = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'back-references are not allowed';
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
    } else if (char === '|') {
      branches++;
    } else if (char === '*' || char === '+' || char === '?' || char === '{') {
      // `(?` opens a group and `+?`/`*?` only make a quantifier lazy: neither is a branch point.
      if (char === '?' && (pattern[i - 1] === '(' || /[*+?}]/.test(pattern[i - 1] ?? ''))) continue;
      if (char === '{' && !/^\{\d+(,\d*)?\}/.test(pattern.slice(i))) continue;
      if (pattern[i - 1] === ')' && char !== '?')
        return 'a repeated group is not allowed (only ? may follow a group)';
      if (char === '{' && /^\{\d+\}/.test(pattern.slice(i))) continue;
      branches++;
    }
  }
  if (branches > MAX_PATTERN_BRANCHES) {
    return `more than ${MAX_PATTERN_BRANCHES} quantifiers and alternatives are not allowed`;
  }
  return undefined;
}
