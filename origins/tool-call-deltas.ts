/**
 * OpenAI streams a tool call as fragments that share its `index`: the first carries `id`, `type` and
 * `function.name`, the later ones only pieces of `function.arguments`. Clients that assemble a stream
 * (openai-node's ChatCompletionStream) refuse a fragment whose identity differs from the first one's,
 * and a repeated `name: null` counts as different. Some engines write the whole call on every fragment
 * (TGI: `name: null` after the first, an empty or shared id; LMDeploy: a new id each time), so their
 * fragments are rewritten here to OpenAI's form, per index, for the length of one stream.
 */
export type ToolCallDeltas = (fragments: readonly unknown[]) => ToolCallFragment[] | undefined;

export interface ToolCallFragment {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments?: string };
}

/** A fresh rewriter for one stream; it answers undefined for a fragment that is not a tool call. */
export function toolCallDeltas(): ToolCallDeltas {
  // Per index: whether the client has the call's name yet.
  const named = new Map<number, boolean>();
  return (fragments) => {
    const out: ToolCallFragment[] = [];
    for (const fragment of fragments) {
      const read = readFragment(fragment);
      if (!read) return undefined;
      const { index, id, name, args } = read;
      const hasName = named.get(index);
      if (hasName === undefined) {
        named.set(index, name !== undefined);
        const fn = name === undefined ? { arguments: args ?? '' } : { name, arguments: args ?? '' };
        out.push({ index, id: usableCallId(id) ?? newCallId(), type: 'function', function: fn });
        continue;
      }
      const fn: ToolCallFragment['function'] = {};
      // A name the first fragment lacked is given once; a repeated one (or null) is dropped.
      if (name !== undefined && !hasName) {
        fn.name = name;
        named.set(index, true);
      }
      if (args !== undefined) fn.arguments = args;
      if (fn.name !== undefined || fn.arguments !== undefined) out.push({ index, function: fn });
    }
    return out;
  };
}

/**
 * Whole tool calls of a non-stream answer with an id each, unique within the answer (TGI writes `"0"`
 * for every call), in OpenAI's shape `{id, type, function: {name, arguments}}`.
 */
export function withCallIds(calls: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  return calls.map((call) => {
    if (call === null || typeof call !== 'object' || Array.isArray(call)) return call;
    const c = call as { id?: unknown; function?: unknown };
    const fn = (c.function ?? {}) as { name?: unknown; arguments?: unknown };
    let id = usableCallId(c.id);
    if (id === undefined || seen.has(id)) id = newCallId();
    seen.add(id);
    return { id, type: 'function', function: { name: fn.name, arguments: fn.arguments } };
  });
}

interface ReadFragment {
  index: number;
  id: unknown;
  name: string | undefined;
  args: string | undefined;
}

function readFragment(fragment: unknown): ReadFragment | undefined {
  if (fragment === null || typeof fragment !== 'object' || Array.isArray(fragment)) return undefined;
  const f = fragment as { index?: unknown; id?: unknown; function?: unknown };
  const index = f.index;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return undefined;
  const fn = f.function ?? {};
  if (fn === null || typeof fn !== 'object' || Array.isArray(fn)) return undefined;
  const { name, arguments: args } = fn as { name?: unknown; arguments?: unknown };
  if (name != null && typeof name !== 'string') return undefined;
  return {
    index,
    id: f.id,
    name: typeof name === 'string' && name.length > 0 ? name : undefined,
    // An engine that writes the arguments as an object: OpenAI's are JSON text.
    args: args == null ? undefined : typeof args === 'string' ? args : JSON.stringify(args),
  };
}

/** An engine's call id, unless it cannot tell calls apart (missing, empty, or TGI's constant `"0"`). */
function usableCallId(id: unknown): string | undefined {
  return typeof id === 'string' && id.length > 0 && id !== '0' ? id : undefined;
}

function newCallId(): string {
  return `call_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}
