import { describe, expect, it } from 'vitest';
import vllmStream from '../../../../shared/fixtures/engines/vllm.chat.stream.txt?raw';
import { isPlainContentEvent } from '../../../origins/openai-compatible/scan.ts';
import { adapterFor } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { StreamEvent } from '../../../schemas/stream-events.ts';
import { ChunkEncoder } from '../../../workers/dispatch/chunk-encoder.ts';
import { ctx, encoded, pool, replay } from './replay-b.ts';

/** Relayed OpenAI streams: usage wherever it appears, `reasoning` renamed, one id per stream. */

const RELAYED: EngineProtocol[] = ['vllm', 'sglang-openai', 'lmdeploy-openai', 'trtllm-serve'];
const USAGE = { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 };

function chunk(delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-engine',
    object: 'chat.completion.chunk',
    created: 1_753_616_032,
    model: 'engine-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  })}\n\n`;
}

/** Usage on the last content chunk, and no usage-only chunk after it. */
const usageOnLastChunk =
  chunk({ role: 'assistant', content: '' }, null) +
  chunk({ content: 'Hello' }, null) +
  chunk({ content: '!' }, 'stop', { usage: USAGE }) +
  'data: [DONE]\n\n';

/** The data objects of an SSE text, in order. */
function chunks(sse: string): Record<string, unknown>[] {
  return sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map((b) => JSON.parse(b.slice(6)) as Record<string, unknown>);
}

function relay(protocol: EngineProtocol, text: string, includeUsage: boolean): string {
  const adapter = adapterFor(protocol)!;
  const events = replay(adapter.chatStream(ctx(pool(protocol), { includeUsage })), text);
  return encoded(events, includeUsage);
}

describe('usage on a chunk that also has choices', () => {
  for (const protocol of RELAYED) {
    it(`${protocol}: the client that asked gets one usage chunk with the engine's numbers`, () => {
      const out = chunks(relay(protocol, usageOnLastChunk, true));
      const withUsage = out.filter((c) => c.usage != null);
      expect(withUsage).toHaveLength(1);
      expect(withUsage[0]).toMatchObject({ choices: [], usage: USAGE });
      expect(withUsage[0]?.usage).not.toHaveProperty('eco_estimated');
      // The content of that chunk still arrives, before the usage chunk.
      expect(out.at(-1)).toBe(withUsage[0]);
      expect(out.at(-2)).toMatchObject({ choices: [{ delta: { content: '!' }, finish_reason: 'stop' }] });
    });

    it(`${protocol}: the client that did not ask gets the content without any usage`, () => {
      const text = relay(protocol, usageOnLastChunk, false);
      const out = chunks(text);
      expect(out.some((c) => 'usage' in c)).toBe(false);
      expect(
        out.map((c) => (c.choices as { delta: { content?: string } }[])[0]?.delta.content).join(''),
      ).toBe('Hello!');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    });
  }

  it('the decoder reports the real usage for billing, whatever the client asked', () => {
    const events = replay(adapterFor('vllm')!.chatStream(ctx(pool('vllm'))), usageOnLastChunk);
    expect(events.filter((e) => e.kind === 'usage')).toEqual([{ kind: 'usage', usage: USAGE }]);
    const enc = new ChunkEncoder({
      id: 'x',
      model: 'm',
      created: 1,
      includeUsage: false,
      promptEstimate: 99,
    });
    for (const e of events) if (e.kind !== 'end') enc.encode(e);
    expect(enc.usage()).toEqual(USAGE);
  });

  it('usage on every chunk (cumulative) and a usage chunk after: still one, the last figures', () => {
    const later = { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 };
    const text =
      chunk({ role: 'assistant', content: 'a' }, null, { usage: { ...USAGE, completion_tokens: 1 } }) +
      chunk({ content: 'b' }, 'stop', { usage: USAGE }) +
      `data: ${JSON.stringify({ id: 'chatcmpl-engine', object: 'chat.completion.chunk', created: 1, model: 'engine-model', choices: [], usage: later })}\n\n` +
      'data: [DONE]\n\n';
    const out = chunks(relay('vllm', text, true)).filter((c) => c.usage != null);
    expect(out).toHaveLength(1);
    expect(out[0]?.usage).toEqual(later);
  });

  it('usage counts that are not token counts are dropped from the chunk and estimated instead', () => {
    const text =
      chunk({ role: 'assistant', content: 'Hi' }, 'stop', {
        usage: { prompt_tokens: -1, completion_tokens: 2 },
      }) + 'data: [DONE]\n\n';
    const out = chunks(relay('vllm', text, true));
    expect(out[0]).not.toHaveProperty('usage');
    expect(out.at(-1)?.usage).toMatchObject({ eco_estimated: true });
  });

  for (const protocol of RELAYED) {
    it(`${protocol}: a usage-only chunk without token counts is estimated, not a failed stream`, () => {
      for (const usage of [{ prompt_tokens: 11, completion_tokens: -1 }, { prompt_tokens: null }, {}]) {
        const text =
          chunk({ role: 'assistant', content: 'Hi' }, 'stop') +
          `data: ${JSON.stringify({ id: 'chatcmpl-engine', object: 'chat.completion.chunk', created: 1, model: 'engine-model', choices: [], usage })}\n\n` +
          'data: [DONE]\n\n';
        const sse = relay(protocol, text, true);
        expect(sse, JSON.stringify(usage)).toMatch(/data: \[DONE\]\n\n$/);
        const withUsage = chunks(sse).filter((c) => c.usage != null);
        expect(withUsage).toHaveLength(1);
        expect(withUsage[0]?.usage).toMatchObject({ eco_estimated: true });
      }
    });
  }
});

describe('`reasoning` deltas (vLLM ≥0.10) reach the client as reasoning_content', () => {
  const text =
    chunk({ role: 'assistant', content: '' }, null) +
    chunk({ reasoning: 'France → Paris' }, null) +
    chunk({ content: null, reasoning: ' so Paris' }, null) +
    chunk({ content: 'Paris' }, 'stop') +
    'data: [DONE]\n\n';

  for (const protocol of RELAYED) {
    it(`${protocol}: renamed, counted as output`, () => {
      const events = replay(adapterFor(protocol)!.chatStream(ctx(pool(protocol))), text);
      const relayed = events.filter((e): e is Extract<StreamEvent, { kind: 'chunk' }> => e.kind === 'chunk');
      expect(relayed.map((e) => e.hasOutput)).toEqual([false, true, true, true]);
      const deltas = relayed.map(
        (e) => (JSON.parse(e.json) as { choices: { delta: object }[] }).choices[0]?.delta,
      );
      expect(deltas[1]).toEqual({ reasoning_content: 'France → Paris' });
      expect(deltas[2]).toEqual({ content: null, reasoning_content: ' so Paris' });
      expect(relayed.some((e) => e.json.includes('"reasoning"'))).toBe(false);
    });
  }

  it('a release that sends both names keeps one, reasoning_content', () => {
    const both = chunk({ reasoning: 'x', reasoning_content: 'x' }, null);
    const events = replay(adapterFor('vllm')!.chatStream(ctx(pool('vllm'))), `${both}data: [DONE]\n\n`);
    const first = events[0];
    expect(first?.kind === 'chunk' && JSON.parse(first.json).choices[0].delta).toEqual({
      reasoning_content: 'x',
    });
  });

  it('a delta with both content and reasoning (content first) relays both, reasoning renamed', () => {
    const both = chunk({ content: 'Paris', reasoning: 'France' }, null);
    const first = chunk({ role: 'assistant', content: '' }, null);
    for (const protocol of RELAYED) {
      const events = replay(
        adapterFor(protocol)!.chatStream(ctx(pool(protocol))),
        `${first}${both}data: [DONE]\n\n`,
      );
      const relayed = events[1];
      expect(relayed?.kind === 'chunk' && JSON.parse(relayed.json).choices[0].delta).toEqual({
        content: 'Paris',
        reasoning_content: 'France',
      });
    }
    expect(isPlainContentEvent(both)).toBe(false);
  });

  it('reasoning chunks never take the plain-content fast path; plain content keeps its bytes', () => {
    expect(isPlainContentEvent(chunk({ reasoning: 'x' }, null))).toBe(false);
    expect(isPlainContentEvent(chunk({ content: null, reasoning: 'x' }, null))).toBe(false);
    const plain = chunk({ content: 'Paris' }, null);
    const events = replay(adapterFor('vllm')!.chatStream(ctx(pool('vllm'))), `${plain}data: [DONE]\n\n`);
    expect(events[0]).toMatchObject({ kind: 'chunk', json: plain.slice(6, -2) });
  });
});

describe('one id per relayed stream', () => {
  it("the gateway's estimated usage chunk carries the engine's id and created", () => {
    // The vLLM fixture has no usage chunk: the gateway adds an estimated one.
    const out = chunks(relay('vllm', vllmStream, true));
    const usage = out.at(-1)!;
    expect(usage.usage).toMatchObject({ eco_estimated: true });
    expect(new Set(out.map((c) => c.id))).toEqual(new Set(['chatcmpl-dc461701bc424bac9de697c529922071']));
    expect(new Set(out.map((c) => c.created))).toEqual(new Set([1_753_616_032]));
  });

  it('a text completion stream keeps the engine id too', () => {
    const decoder = adapterFor('vllm')!.completions!.stream!(ctx(pool('vllm')));
    const text =
      'data: {"id":"cmpl-engine","object":"text_completion","created":5,"model":"engine-model","choices":[{"index":0,"text":"Hi","logprobs":null,"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
    const enc = new ChunkEncoder({
      object: 'text_completion',
      id: 'cmpl-gateway',
      model: 'client-model',
      created: 1,
      includeUsage: true,
      promptEstimate: 2,
    });
    let sse = '';
    for (const e of replay(decoder, text)) sse += e.kind === 'end' ? enc.finish() : enc.encode(e);
    const out = chunks(sse);
    expect(out.map((c) => [c.id, c.created, c.object])).toEqual([
      ['cmpl-engine', 5, 'text_completion'],
      ['cmpl-engine', 5, 'text_completion'],
    ]);
  });

  it('trtllm-serve (ids stabilised per stream) keeps that one id', () => {
    const out = chunks(relay('trtllm-serve', vllmStream, true));
    expect(new Set(out.map((c) => c.id))).toEqual(new Set(['chatcmpl-dc461701bc424bac9de697c529922071']));
  });
});

describe('an answer with no output', () => {
  it('still names the assistant role, in its finish chunk', () => {
    const encoder = new ChunkEncoder({
      object: 'chat.completion.chunk',
      id: 'chatcmpl-empty',
      model: 'client-model',
      created: 1,
      includeUsage: false,
      promptEstimate: 3,
    });
    const [finish] = chunks(encoder.encode({ kind: 'finish', reason: 'stop' }) + encoder.finish());
    expect(finish).toMatchObject({
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' }],
    });
  });
});
