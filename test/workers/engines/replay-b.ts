import fc from 'fast-check';
import type { CallContext } from '../../../origins/types.ts';
import { type PoolConfig, PoolConfig as PoolSchema } from '../../../schemas/config.ts';
import type { StreamDecoder, StreamEvent } from '../../../schemas/stream-events.ts';
import { ChunkEncoder } from '../../../workers/dispatch/chunk-encoder.ts';

/** Shared by the TensorRT-LLM, DeepSpeed-MII and LMDeploy conformance tests. */

export function pool(protocol: PoolConfig['protocol'], options: Record<string, unknown> = {}): PoolConfig {
  return PoolSchema.parse({
    name: protocol,
    protocol,
    origins: [{ id: 'o1', url: 'http://origin.test', capacity: 8, weight: 1 }],
    options,
  });
}

export function ctx(p: PoolConfig, overrides: Partial<CallContext> = {}): CallContext {
  return {
    engineModel: 'engine-model',
    clientModel: 'client-model',
    stream: true,
    includeUsage: true,
    pool: p,
    requestId: 'req-1',
    created: 1_700_000_000,
    ...overrides,
  };
}

const encoder = new TextEncoder();

/** Feed `text` to a decoder in pieces cut at the given byte offsets, then end it. */
export function replay(
  decoder: StreamDecoder,
  text: string | Uint8Array,
  cuts: number[] = [],
): StreamEvent[] {
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const events: StreamEvent[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    events.push(...decoder.push(bytes.slice(start, point)));
    start = point;
  }
  events.push(...decoder.end());
  return events;
}

/** Adjacent content deltas merged, so that event lists compare whatever the framing split. */
export function merged(events: StreamEvent[]): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (const e of events) {
    const prev = out.at(-1);
    if (
      e.kind === 'delta' &&
      prev?.kind === 'delta' &&
      !e.role &&
      !prev.role &&
      !e.toolCalls &&
      !prev.toolCalls &&
      !e.logprobs &&
      !prev.logprobs
    ) {
      out[out.length - 1] = { kind: 'delta', content: (prev.content ?? '') + (e.content ?? '') };
    } else out.push(e);
  }
  return out;
}

/** The OpenAI SSE text the gateway would send for these events. */
export function encoded(events: StreamEvent[], includeUsage = true): string {
  const enc = new ChunkEncoder({
    id: 'chatcmpl-x',
    model: 'client-model',
    created: 1,
    includeUsage,
    promptEstimate: 7,
  });
  let out = '';
  for (const e of events) {
    if (e.kind === 'end') return out + enc.finish();
    if (e.kind === 'error') return `${out}error:${e.error.code}`;
    out += enc.encode(e);
  }
  return out;
}

/** The `text_completion` SSE text the gateway would send for these events (`/v1/completions`). */
export function textChunks(events: StreamEvent[]): string {
  const enc = new ChunkEncoder({
    object: 'text_completion',
    id: 'cmpl-x',
    model: 'client-model',
    created: 1,
    includeUsage: true,
    promptEstimate: 3,
  });
  let out = '';
  for (const e of events) {
    if (e.kind === 'end') return out + enc.finish();
    if (e.kind === 'error') return `${out}error:${e.error.code}`;
    out += enc.encode(e);
  }
  return out;
}

/** The content the client would read from encoded SSE text. */
export function clientText(sse: string): string {
  let text = '';
  for (const block of sse.split('\n\n')) {
    const data = block.startsWith('data: ') ? block.slice(6).trim() : '';
    if (!data.startsWith('{')) continue;
    const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string } }[] };
    text += chunk.choices?.[0]?.delta?.content ?? '';
  }
  return text;
}

/** Byte offsets anywhere in a text of `length` bytes, including inside multi-byte characters. */
export function cutsIn(length: number) {
  return fc.array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 24 });
}

/**
 * The property every transcript must satisfy: decoded events (deltas merged) and the encoded OpenAI
 * output are identical whatever the byte split.
 */
export function assertSplitInvariant(make: () => StreamDecoder, text: string, runs = 200): void {
  const whole = replay(make(), text);
  const wholeEvents = merged(whole);
  const wholeSse = encoded(whole);
  const length = encoder.encode(text).length;
  fc.assert(
    fc.property(cutsIn(length), (cuts) => {
      const events = replay(make(), text, cuts);
      const a = JSON.stringify(merged(events));
      const b = JSON.stringify(wholeEvents);
      if (a !== b) throw new Error(`events differ for cuts ${cuts.join(',')}:\n${a}\n${b}`);
      if (encoded(events) !== wholeSse) throw new Error(`encoded output differs for cuts ${cuts.join(',')}`);
    }),
    { numRuns: runs },
  );
}
