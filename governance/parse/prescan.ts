import type { LintLimits } from '../policy/default-policy.ts';

export interface PrescanProblem {
  message: string;
  offset: number;
}

// Flow collections that nest thousands deep make any recursive parser slow; a linear scan of
// unmatched brackets rejects them before parsing. Brackets inside strings only ever inflate the
// count, so the threshold is a generous multiple of the real depth limit.
const FLOW_DEPTH_FACTOR = 8;

/** Cheap checks on the raw text that must pass before the YAML parser sees it. */
export function prescan(source: string, limits: LintLimits): PrescanProblem | undefined {
  if (source.length > limits.maxFileBytes) {
    return {
      message: `file is ${source.length} characters, over the limit of ${limits.maxFileBytes}`,
      offset: 0,
    };
  }
  const maxFlowDepth = limits.maxDepth * FLOW_DEPTH_FACTOR;
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth > maxFlowDepth) {
        return { message: `flow collections nest deeper than ${maxFlowDepth} levels`, offset: i };
      }
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}
