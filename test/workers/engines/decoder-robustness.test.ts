import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterFor, registeredProtocols } from '../../../origins/registry.ts';
import type { CallContext, EngineAdapter } from '../../../origins/types.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { ChatCompletion, FinishReason, Usage } from '../../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../../schemas/stream-events.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * Origin bytes are untrusted. Whatever an engine sends, a decoder must turn it into events (a bad frame
 * into an error event) and a non-stream decode must answer the public shape or a 502 EcoError — never
 * throw anything else. Checked for every registered adapter, chat and completions alike.
 */

const RUNS = 200;

/** Field names the decoders read, so that generated objects hit their branches with wrong types. */
const FIELDS = [
  'choices',
  'delta',
  'message',
  'content',
  'role',
  'tool_calls',
  'reasoning_content',
  'finish_reason',
  'usage',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'token',
  'text',
  'special',
  'generated_text',
  'details',
  'generated_tokens',
  'input_length',
  'error',
  'error_type',
  'object',
  'index',
  'type',
  'done',
  'done_reason',
  'response',
  'thinking',
  'eval_count',
  'prompt_eval_count',
  'text_output',
  'output_log_probs',
  'meta_info',
  'generated_length',
  'prompt_length',
  'id',
  'model',
  'created',
  'logprobs',
] as const;

const hostile = fc.letrec<{ value: unknown; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom(null, 0, -1, 1.5, '', 'x', 'stop', 'length', 'eos_token', true, [], {}),
    tie('object'),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
  object: fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 6 }),
}));

/** Well-formed frames of each engine family, to be broken one field at a time. */
const SKELETONS: unknown[] = [
  {
    id: 'c1',
    object: 'chat.completion.chunk',
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', content: 'hi', tool_calls: [{ index: 0 }] },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  },
  { choices: [{ index: 0, text: 'hi', finish_reason: 'length' }] },
  {
    index: 1,
    token: { id: 1, text: 'hi', logprob: 0, special: false },
    generated_text: 'hi',
    details: { finish_reason: 'length', generated_tokens: 1, input_length: 2 },
  },
  {
    model: 'm',
    message: {
      role: 'assistant',
      content: 'hi',
      thinking: 'x',
      tool_calls: [{ function: { name: 'f', arguments: {} } }],
    },
    response: 'hi',
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 1,
    eval_count: 1,
  },
  {
    text: 'hi',
    meta_info: { finish_reason: { type: 'stop' }, prompt_tokens: 1, completion_tokens: 1, id: 'x' },
  },
  { text: 'hi', meta_info: { finish_reason: 'stop', prompt_tokens: 1, completion_tokens: 1 } },
  { text_output: 'hi', model_name: 'ensemble', output_log_probs: [0] },
  [{ generated_text: 'hi', prompt_length: 1, generated_length: 1, finish_reason: 'stop' }],
  { error: { message: 'boom', http_status_code: 422 } },
];

type Path = (string | number)[];

function pathsOf(value: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...at, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  }
  return out;
}

function withValue(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head] = withValue(copy[head], rest, replacement);
  return copy;
}

/** A well-formed frame with one to three of its fields (at any depth) replaced by hostile values. */
const broken = fc
  .constantFrom(...SKELETONS)
  .chain((skeleton) =>
    fc
      .array(fc.tuple(fc.constantFrom(...pathsOf(skeleton)), hostile.value), { minLength: 1, maxLength: 3 })
      .map((edits) => edits.reduce<unknown>((v, [path, next]) => withValue(v, path, next), skeleton)),
  );

/** A payload: any JSON value, an object made of the engines' own field names, or a terminator. */
const payload = fc.oneof(
  broken.map((v) => JSON.stringify(v)),
  broken.map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  hostile.object.map((v) => JSON.stringify(v)),
  hostile.object.map((v) => JSON.stringify({ choices: [v] })),
  fc.constantFrom('[DONE]', 'null', '{}', '{"error":null}', '{"choices":5}', '{"token":"x"}', ''),
  fc.string({ maxLength: 40 }),
);

const framed = fc.record({
  framing: fc.constantFrom('sse', 'ndjson'),
  payloads: fc.array(payload, { maxLength: 6 }),
});

const cuts = fc.array(fc.nat(4096), { maxLength: 8 });

const encoder = new TextEncoder();

function frame(framing: string, payloads: string[]): Uint8Array {
  const text =
    framing === 'sse'
      ? payloads.map((p) => `data: ${p.replace(/\r?\n/g, ' ')}\n\n`).join('')
      : payloads.map((p) => `${p.replace(/\r?\n/g, ' ')}\n`).join('');
  return encoder.encode(text);
}

const TERMINAL = new Set(['end', 'error']);

/** Feeds bytes in pieces, then ends; every call's throw fails the property. */
function feed(decoder: StreamDecoder, bytes: Uint8Array, at: number[]): StreamEvent[] {
  const points = [...new Set(at.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const events: StreamEvent[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    events.push(...decoder.push(bytes.slice(start, point)));
    start = point;
  }
  events.push(...decoder.end());
  return events;
}

/** What every decoder guarantees: one terminal event, last; every event well-formed. */
function assertWellEnded(events: StreamEvent[], label: string): void {
  const terminals = events.filter((e) => TERMINAL.has(e.kind));
  if (terminals.length !== 1 || !TERMINAL.has(events.at(-1)?.kind ?? '')) {
    throw new Error(`${label}: expected exactly one terminal event, last; got ${JSON.stringify(events)}`);
  }
  for (const e of events) {
    if (e.kind === 'finish' && !FinishReason.safeParse(e.reason).success) {
      throw new Error(`${label}: bad finish reason ${JSON.stringify(e)}`);
    }
    if (e.kind === 'usage' && !Usage.safeParse(e.usage).success) {
      throw new Error(`${label}: bad usage ${JSON.stringify(e)}`);
    }
    if (e.kind === 'delta' && e.content !== undefined && typeof e.content !== 'string') {
      throw new Error(`${label}: non-string content ${JSON.stringify(e)}`);
    }
    if (e.kind === 'error' && (e.error.status < 400 || typeof e.error.code !== 'string')) {
      throw new Error(`${label}: bad error ${JSON.stringify(e)}`);
    }
  }
}

/** Rejection the contract allows: a 502 EcoError (a malformed or failed answer from the origin). */
function assertOriginFault(err: unknown, label: string): void {
  if (!(err instanceof EcoError) || err.status !== 502) {
    throw new Error(`${label}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

interface Subject {
  label: string;
  make(built: boolean): { ctx: CallContext; decoder: StreamDecoder };
}

/** A call context, built through the adapter first (as the gateway does) or not (decoders must cope). */
function chatCall(adapter: EngineAdapter, protocol: EngineProtocol, stream: boolean, built: boolean) {
  const c = ctx(pool(protocol), { stream });
  if (built) {
    adapter.buildChat(
      { model: 'client-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 },
      c,
    );
  }
  return c;
}

function completionCall(adapter: EngineAdapter, protocol: EngineProtocol, stream: boolean, built: boolean) {
  const c = ctx(pool(protocol), { stream });
  if (built) adapter.completions?.build({ model: 'client-model', prompt: 'hi', max_tokens: 8 }, c);
  return c;
}

function subjects(): Subject[] {
  const out: Subject[] = [];
  for (const protocol of registeredProtocols()) {
    const adapter = adapterFor(protocol);
    if (!adapter) continue;
    out.push({
      label: `${protocol} chat`,
      make(built) {
        const c = chatCall(adapter, protocol, true, built);
        return { ctx: c, decoder: adapter.chatStream(c) };
      },
    });
    const completions = adapter.completions;
    if (completions?.stream) {
      const stream = completions.stream.bind(completions);
      out.push({
        label: `${protocol} completions`,
        make(built) {
          const c = completionCall(adapter, protocol, true, built);
          return { ctx: c, decoder: stream(c) };
        },
      });
    }
  }
  return out;
}

describe('stream decoders under hostile origin bytes', () => {
  it('covers every registered adapter', () => {
    expect(registeredProtocols().length).toBeGreaterThanOrEqual(12);
  });

  for (const subject of subjects()) {
    it(`${subject.label}: arbitrary bytes never throw and end with one terminal event`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), cuts, fc.boolean(), (bytes, at, built) => {
          const { decoder } = subject.make(built);
          assertWellEnded(feed(decoder, bytes, at), subject.label);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${subject.label}: frames of arbitrary JSON never throw and end with one terminal event`, () => {
      fc.assert(
        fc.property(framed, cuts, fc.boolean(), ({ framing, payloads }, at, built) => {
          const { decoder } = subject.make(built);
          assertWellEnded(feed(decoder, frame(framing, payloads), at), subject.label);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

const body = fc.oneof(
  broken.map((v) => JSON.stringify(v)),
  broken.map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  hostile.object.map((v) => JSON.stringify(v)),
  hostile.object.map((v) => JSON.stringify([v])),
  hostile.object.map((v) => JSON.stringify({ choices: [v] })),
  hostile.object.map((v) => JSON.stringify({ choices: [{ message: v, finish_reason: 'stop' }] })),
  fc.string({ maxLength: 60 }),
);

describe('non-stream decoders under hostile origin bodies', () => {
  for (const protocol of registeredProtocols()) {
    const adapter = adapterFor(protocol);
    if (!adapter) continue;

    it(`${protocol} decodeChat: the public shape or a 502 EcoError`, () => {
      fc.assert(
        fc.property(body, fc.boolean(), (text, built) => {
          const c = chatCall(adapter, protocol, false, built);
          let out: ChatCompletion;
          try {
            out = adapter.decodeChat(text, c);
          } catch (err) {
            assertOriginFault(err, protocol);
            return;
          }
          const parsed = ChatCompletion.safeParse(out);
          if (!parsed.success) throw new Error(`${protocol}: not a ChatCompletion: ${JSON.stringify(out)}`);
          expect(out.model).toBe('client-model');
        }),
        { numRuns: RUNS },
      );
    });

    const completions = adapter.completions;
    if (!completions) continue;
    it(`${protocol} completions decode: an object with the client's model or a 502 EcoError`, () => {
      fc.assert(
        fc.property(body, fc.boolean(), (text, built) => {
          const c = completionCall(adapter, protocol, false, built);
          let out: Record<string, unknown>;
          try {
            out = completions.decode(text, c);
          } catch (err) {
            assertOriginFault(err, `${protocol} completions`);
            return;
          }
          expect(out.model).toBe('client-model');
        }),
        { numRuns: RUNS },
      );
    });
  }
});
