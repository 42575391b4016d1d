// Minimal glob support (`*`, `**`, `?`, `{a,b}`, `[abc]`) so the CLI needs no extra dependency.

const MAGIC = /[*?[{]/;

export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** The directory to start walking from: the segments before the first one with a wildcard. */
export function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const base: string[] = [];
  for (const segment of segments) {
    if (isGlob(segment)) break;
    base.push(segment);
  }
  if (base.length === segments.length) base.pop();
  const joined = base.join('/');
  return joined === '' ? (pattern.startsWith('/') ? '/' : '.') : joined;
}

export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '{') {
      const end = pattern.indexOf('}', i);
      if (end === -1) {
        out += '\\{';
        continue;
      }
      const options = pattern
        .slice(i + 1, end)
        .split(',')
        .map(escapeRegExp);
      out += `(?:${options.join('|')})`;
      i = end;
    } else if (char === '[') {
      const end = pattern.indexOf(']', i);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      out += `[${pattern
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else {
      out += escapeRegExp(char);
    }
  }
  return new RegExp(`^${out}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}
