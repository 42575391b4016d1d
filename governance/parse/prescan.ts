import type { LintLimits } from '../policy/default-policy.ts';
import { checkStructure } from './token-count.ts';

export interface PrescanProblem {
  message: string;
  offset: number;
}

// The parser composes collections recursively, so thousands of nesting levels exhaust the stack (and
// can abort the whole process). A linear scan bounds nesting before parsing. Flow nesting is counted
// by unmatched brackets; block nesting by the column where a line's content starts, since each block
// level (an indented key, a `- ` or `? ` indicator) moves content at least one column right. Brackets
// in strings and deep indentation in block scalars only ever inflate these counts, so the threshold
// is a generous multiple of the real depth limit, which is checked exactly after parsing.
const NESTING_FACTOR = 8;

/** Cheap checks on the raw text that must pass before the YAML parser sees it. */
export function prescan(source: string, limits: LintLimits): PrescanProblem | undefined {
  if (source.length > limits.maxFileBytes) {
    return {
      message: `file is ${source.length} characters, over the limit of ${limits.maxFileBytes}`,
      offset: 0,
    };
  }
  const max = limits.maxDepth * NESTING_FACTOR;
  let depth = 0;
  let indent = 0;
  let lineStart = true;
  for (let i = 0; i < source.length; i++) {
    if (lineStart) {
      lineStart = false;
      const content = contentStart(source, i);
      indent = content - i;
      // Flow collections opened on earlier lines nest inside this line's block levels too.
      if (indent + depth > max)
        return { message: `lines indent deeper than ${max} columns`, offset: content };
      i = content - 1;
      continue;
    }
    const code = source.charCodeAt(i);
    if (code === 0x0a) {
      lineStart = true;
    } else if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth + indent > max)
        return { message: `flow collections nest deeper than ${max} levels`, offset: i };
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return checkStructure(source, limits);
}

/** Offset of the first character after a line's indentation and block indicators (`- `, `? `, `: `). */
function contentStart(source: string, start: number): number {
  let i = start;
  for (;;) {
    const code = source.charCodeAt(i);
    if (code === 0x20 || code === 0x09) {
      i++;
    } else if ((code === 0x2d || code === 0x3f || code === 0x3a) && isBlank(source.charCodeAt(i + 1))) {
      i++;
    } else {
      return i;
    }
  }
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
