/**
 * A relayed chunk that cannot reach the client as the engine wrote it, parsed and written again:
 * - `usage` on a chunk that also has choices (some engines put it on the last content chunk) is taken
 *   off, so the gateway sends it once, as OpenAI does, in its own usage chunk (or not at all when the
 *   client did not ask);
 * - `delta.reasoning` (vLLM ≥0.10, Ollama's `/v1`) becomes `reasoning_content`, the name OpenAI-style
 *   clients read. Only chunks that carry usage, or reasoning without content text, come here: never
 *   the plain content chunks that the relay passes on untouched.
 */
export interface RewrittenChunk {
  json: string;
  /** The usage object taken off the chunk, as the engine sent it. */
  usage?: unknown;
}

/** Undefined when `data` is not a JSON object (the caller reports a malformed event). */
export function rewriteChunk(data: string): RewrittenChunk | undefined {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk)) return undefined;
  const obj = chunk as Record<string, unknown>;
  let changed = false;
  let usage: unknown;
  if (obj.usage !== null && typeof obj.usage === 'object') {
    usage = obj.usage;
    delete obj.usage;
    changed = true;
  }
  if (Array.isArray(obj.choices)) {
    for (const choice of obj.choices) changed = renameReasoning(choice) || changed;
  }
  const json = changed ? JSON.stringify(obj) : data;
  return usage === undefined ? { json } : { json, usage };
}

/** True when the choice's delta had a `reasoning` text, now under `reasoning_content`. */
function renameReasoning(choice: unknown): boolean {
  const delta = (choice as { delta?: unknown } | null)?.delta;
  if (delta === null || typeof delta !== 'object') return false;
  const d = delta as Record<string, unknown>;
  if (typeof d.reasoning !== 'string') return false;
  // Releases that send both names send the same text: keep the one clients read.
  if (typeof d.reasoning_content !== 'string' || d.reasoning_content.length === 0) {
    d.reasoning_content = d.reasoning;
  }
  delete d.reasoning;
  return true;
}
