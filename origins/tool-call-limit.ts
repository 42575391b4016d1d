import type { ChatCompletion, ChatCompletionRequest } from '../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../schemas/stream-events.ts';
import { firstTextField, outputAfterText } from './openai-compatible/scan.ts';
import type { CallContext, EngineAdapter } from './types.ts';

/**
 * `parallel_tool_calls: false` asks for at most one tool call per turn. Most engines take the field
 * and ignore it (trtllm-serve says so in its request model, LMDeploy up to 0.16 and vLLM before 0.11.1
 * filter nothing, SGLang only uses it to shape some grammars, Ollama has no input for it), so the
 * answer may still carry several. The first is kept: the model sees its result and can make the next
 * call on the following turn, as it would have had the engine honoured the flag. Every adapter goes
 * through this one wrapper (registry.ts); a call that did not ask pays nothing.
 */
const singleToolCall = new WeakSet<CallContext>();

/** The adapter with `parallel_tool_calls: false` enforced on its chat answers and streams. */
export function limitedToolCalls(adapter: EngineAdapter): EngineAdapter {
  return {
    ...adapter,
    buildChat(req: ChatCompletionRequest, ctx: CallContext) {
      const request = adapter.buildChat(req, ctx);
      if (req.parallel_tool_calls === false) singleToolCall.add(ctx);
      return request;
    },
    decodeChat(body: string, ctx: CallContext) {
      const answer = adapter.decodeChat(body, ctx);
      if (singleToolCall.has(ctx)) firstCallOnly(answer);
      return answer;
    },
    chatStream(ctx: CallContext) {
      const inner = adapter.chatStream(ctx);
      return singleToolCall.has(ctx) ? firstCallStream(inner) : inner;
    },
  };
}

function firstCallOnly(answer: ChatCompletion): void {
  for (const choice of answer.choices) {
    const calls = choice.message.tool_calls;
    if (calls && calls.length > 1) choice.message.tool_calls = calls.slice(0, 1);
  }
}

/**
 * Streamed tool calls arrive as fragments tagged with the call's `index` (its id and name first, then
 * pieces of its arguments). Fragments of the first call seen pass; the others are dropped, and an
 * event left with nothing for the client is dropped with them.
 */
function firstCallStream(inner: StreamDecoder): StreamDecoder {
  let first: unknown;
  let unindexed = 0;
  const keep = (calls: unknown[]): unknown[] =>
    calls.filter((call) => {
      const index = (call as { index?: unknown } | null)?.index;
      // A fragment without an index can only be a whole call of its own.
      const key = typeof index === 'number' ? index : `whole-${unindexed++}`;
      first ??= key;
      return key === first;
    });
  const limit = (events: StreamEvent[]): StreamEvent[] => {
    const out: StreamEvent[] = [];
    for (const event of events) {
      const limited =
        event.kind === 'delta'
          ? limitDelta(event, keep)
          : event.kind === 'chunk'
            ? limitChunk(event, keep)
            : event;
      if (limited) out.push(limited);
    }
    return out;
  };
  return {
    push: (bytes) => limit(inner.push(bytes)),
    end: () => limit(inner.end()),
    // A plain content event carries no tool call.
    ...(inner.plainContent && { plainContent: inner.plainContent }),
  };
}

type Keep = (calls: unknown[]) => unknown[];
type Delta = Extract<StreamEvent, { kind: 'delta' }>;
type Chunk = Extract<StreamEvent, { kind: 'chunk' }>;

function limitDelta(event: Delta, keep: Keep): Delta | undefined {
  if (!event.toolCalls || event.toolCalls.length === 0) return event;
  const kept = keep(event.toolCalls);
  if (kept.length === event.toolCalls.length) return event;
  const { toolCalls: _dropped, ...rest } = event;
  const out: Delta = kept.length > 0 ? { ...rest, toolCalls: kept } : rest;
  return out.content || out.reasoning || out.role || out.toolCalls || out.logprobs ? out : undefined;
}

/** A relayed OpenAI chunk: parsed only when it carries tool calls. */
function limitChunk(event: Chunk, keep: Keep): Chunk | undefined {
  if (!event.json.includes('"tool_calls"')) return event;
  let parsed: { choices?: unknown } | null;
  try {
    parsed = JSON.parse(event.json) as typeof parsed;
  } catch {
    return event;
  }
  if (!Array.isArray(parsed?.choices)) return event;
  let changed = false;
  for (const choice of parsed.choices as { delta?: { tool_calls?: unknown } }[]) {
    const delta = choice?.delta;
    if (delta === null || typeof delta !== 'object' || !Array.isArray(delta.tool_calls)) continue;
    const kept = keep(delta.tool_calls);
    if (kept.length === delta.tool_calls.length) continue;
    changed = true;
    if (kept.length > 0) delta.tool_calls = kept;
    else delete delta.tool_calls;
  }
  if (!changed) return event;
  const json = JSON.stringify(parsed);
  const hasOutput = outputAfterText(json, firstTextField(json));
  if (!hasOutput && event.usage === undefined) return undefined;
  return { ...event, json, hasOutput };
}
