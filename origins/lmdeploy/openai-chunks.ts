import { toolCallDeltas } from '../tool-call-deltas.ts';

// Key patterns with unescaped quotes: inside a JSON string every quote is escaped, so these only
// match the chunk's own keys.
const ROLE = /"role":\s*"assistant"\s*,\s*|,\s*"role":\s*"assistant"|"role":\s*"assistant"/;
const EMPTY_CALLS = /,\s*"tool_calls":\s*\[\s*\]|"tool_calls":\s*\[\s*\]\s*,?\s*/g;
const CALLS = /"tool_calls":\s*\[\s*\{/;
const DELTA = /"delta":\s*\{/;

/**
 * LMDeploy's chat chunks in OpenAI's form. Every delta repeats `"role": "assistant"` and, from its
 * DeltaMessage default, `"tool_calls": []`; a tool call's fragments each get a new `id` (the field's
 * default factory) and repeat `type` (and, before v0.14, a null `name`). OpenAI sends the role once and
 * a call's identity on its first fragment only (tool-call-deltas.ts). Text chunks are edited as text;
 * only chunks with tool calls are parsed. Undefined for a tool-call chunk that is not valid JSON.
 */
export function lmdeployChunks(): (data: string) => string | undefined {
  const fragments = toolCallDeltas();
  let roleSent = false;
  return (data) => {
    // Substring checks first: most chunks are text, and these run on every one.
    if (!data.includes('"delta"') || !DELTA.test(data)) return data;
    const keepRole = !roleSent;
    roleSent = true;
    let text = data;
    if (text.includes('"tool_calls"')) {
      text = text.replace(EMPTY_CALLS, '');
      if (CALLS.test(text)) return withFragments(text, keepRole, fragments);
    }
    return keepRole || !text.includes('"role"') ? text : text.replace(ROLE, '');
  };
}

function withFragments(
  text: string,
  keepRole: boolean,
  fragments: ReturnType<typeof toolCallDeltas>,
): string | undefined {
  let chunk: { choices?: unknown };
  try {
    chunk = JSON.parse(text) as typeof chunk;
  } catch {
    return undefined;
  }
  if (chunk === null || typeof chunk !== 'object' || !Array.isArray(chunk.choices)) return undefined;
  for (const choice of chunk.choices as { delta?: unknown }[]) {
    const delta = choice?.delta;
    if (delta === null || typeof delta !== 'object' || Array.isArray(delta)) continue;
    const d = delta as Record<string, unknown>;
    if (!keepRole) delete d.role;
    if (!Array.isArray(d.tool_calls)) continue;
    const calls = fragments(d.tool_calls);
    if (!calls) return undefined;
    if (calls.length > 0) d.tool_calls = calls;
    else delete d.tool_calls;
  }
  return JSON.stringify(chunk);
}
