import { describe, expect, it } from 'vitest';
import lmdeployStream from '../../../../shared/fixtures/engines/lmdeploy.chat.stream.include_usage.txt?raw';
import sglangChatStream from '../../../../shared/fixtures/engines/sglang.chat.stream.include_usage.txt?raw';
import sglangNonstream from '../../../../shared/fixtures/engines/sglang.generate.nonstream.json?raw';
import sglangStream from '../../../../shared/fixtures/engines/sglang.generate.stream.txt?raw';
import trtllmStream from '../../../../shared/fixtures/engines/trtllm-serve.chat.stream.txt?raw';
import { adapterFor } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import { Usage } from '../../../schemas/openai/chat.ts';
import { ctx, encoded, pool, replay } from './replay-b.ts';

/** Cached and reasoning token counts reach the client, checked, on every path that has them. */

const RELAYED: EngineProtocol[] = ['vllm', 'sglang-openai', 'lmdeploy-openai', 'trtllm-serve'];
const TOTALS = { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 };
const DETAILS = {
  prompt_tokens_details: { cached_tokens: 32 },
  completion_tokens_details: { reasoning_tokens: 9 },
};

function answer(usage: unknown): string {
  return JSON.stringify({
    id: 'chatcmpl-engine',
    object: 'chat.completion',
    created: 1,
    model: 'engine-model',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }],
    usage,
  });
}

function chunkEvent(body: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-engine', object: 'chat.completion.chunk', created: 1, model: 'engine-model', ...body })}\n\n`;
}

const content = chunkEvent({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] });

function relayed(protocol: EngineProtocol, text: string, includeUsage = true): Record<string, unknown>[] {
  const events = replay(adapterFor(protocol)!.chatStream(ctx(pool(protocol), { includeUsage })), text);
  return encoded(events, includeUsage)
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map((b) => JSON.parse(b.slice(6)) as Record<string, unknown>);
}

function usageChunk(protocol: EngineProtocol, usage: unknown): unknown {
  const out = relayed(protocol, `${content}${chunkEvent({ choices: [], usage })}data: [DONE]\n\n`);
  return out.at(-1)?.usage;
}

function decoded(protocol: EngineProtocol, usage: unknown): unknown {
  return adapterFor(protocol)!.decodeChat(answer(usage), ctx(pool(protocol), { stream: false })).usage;
}

/** Values no breakdown may carry: each is dropped alone, the totals and the answer stay. */
const HOSTILE: [string, unknown][] = [
  ['a digit string', '32'],
  ['a negative', -1],
  ['a fraction', 1.5],
  ['a huge number', 1e300],
  ['more than the total it breaks down', 41],
  ['an object', { cached_tokens: 3 }],
  ['an array', [3]],
  ['null', null],
  ['a boolean', true],
  ['NaN as text', 'NaN'],
];

describe('relayed engines: non-stream answers', () => {
  for (const protocol of RELAYED) {
    it(`${protocol}: cached and reasoning tokens are passed on`, () => {
      const usage = decoded(protocol, { ...TOTALS, ...DETAILS });
      expect(usage).toEqual({ ...TOTALS, ...DETAILS });
      // The public schema keeps them too (it strips keys it does not know).
      expect(Usage.parse(usage)).toEqual({ ...TOTALS, ...DETAILS });
    });

    it(`${protocol}: hostile breakdown values are dropped, never a failure`, () => {
      for (const [name, value] of HOSTILE) {
        const usage = decoded(protocol, {
          ...TOTALS,
          prompt_tokens_details: { cached_tokens: value, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: value, junk: { deep: [1] } },
        });
        expect(usage, name).toEqual({ ...TOTALS, prompt_tokens_details: { audio_tokens: 0 } });
      }
    });
  }

  it('breakdowns that are not objects are left out', () => {
    for (const details of ['32', 32, [32], null, true]) {
      const usage = decoded('vllm', {
        ...TOTALS,
        prompt_tokens_details: details,
        completion_tokens_details: details,
      });
      expect(usage, JSON.stringify(details)).toEqual(TOTALS);
    }
  });

  it("SGLang's top-level reasoning_tokens becomes completion_tokens_details.reasoning_tokens", () => {
    expect(decoded('sglang-openai', { ...TOTALS, prompt_tokens_details: null, reasoning_tokens: 5 })).toEqual(
      {
        ...TOTALS,
        completion_tokens_details: { reasoning_tokens: 5 },
      },
    );
    expect(decoded('sglang-openai', { ...TOTALS, reasoning_tokens: -5 })).toEqual(TOTALS);
  });

  it('zero counts are real figures and are kept', () => {
    const zeros = {
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
    expect(decoded('vllm', { ...TOTALS, ...zeros })).toEqual({ ...TOTALS, ...zeros });
  });
});

describe('relayed engines: the stream usage chunk', () => {
  for (const protocol of RELAYED) {
    it(`${protocol}: a usage-only chunk keeps its breakdowns`, () => {
      expect(usageChunk(protocol, { ...TOTALS, ...DETAILS })).toEqual({ ...TOTALS, ...DETAILS });
    });

    it(`${protocol}: usage on a content chunk keeps its breakdowns in the gateway's usage chunk`, () => {
      const text =
        chunkEvent({
          choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }],
          usage: { ...TOTALS, ...DETAILS },
        }) + 'data: [DONE]\n\n';
      const out = relayed(protocol, text);
      expect(out.at(-1)).toMatchObject({ choices: [], usage: { ...TOTALS, ...DETAILS } });
    });

    it(`${protocol}: hostile breakdown values never reach the client`, () => {
      for (const [name, value] of HOSTILE) {
        const usage = usageChunk(protocol, {
          ...TOTALS,
          prompt_tokens_details: { cached_tokens: value },
          completion_tokens_details: { reasoning_tokens: value, junk: 'x' },
          reasoning_tokens: value,
          engine_junk: { a: 1 },
        });
        expect(usage, name).toEqual(TOTALS);
      }
    });

    it(`${protocol}: the client that did not ask gets no usage, details or not`, () => {
      const text = `${content}${chunkEvent({ choices: [], usage: { ...TOTALS, ...DETAILS } })}data: [DONE]\n\n`;
      expect(relayed(protocol, text, false).some((c) => 'usage' in c)).toBe(false);
    });
  }

  it('the decoder reports the breakdowns with the real usage', () => {
    const text = `${content}${chunkEvent({ choices: [], usage: { ...TOTALS, ...DETAILS } })}data: [DONE]\n\n`;
    const events = replay(adapterFor('vllm')!.chatStream(ctx(pool('vllm'))), text);
    const chunk = events.find((e) => e.kind === 'chunk' && e.usage);
    expect(chunk).toMatchObject({ usage: { ...TOTALS, ...DETAILS } });
  });

  it('engine transcripts: the usage chunk comes out in OpenAI shape', () => {
    const lmdeploy = relayed('lmdeploy-openai', lmdeployStream).at(-1)?.usage;
    expect(lmdeploy).toEqual({
      prompt_tokens: 21,
      completion_tokens: 2,
      total_tokens: 23,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const trtllm = relayed('trtllm-serve', trtllmStream).at(-1)?.usage;
    expect(trtllm).toEqual({
      prompt_tokens: 28,
      completion_tokens: 2,
      total_tokens: 30,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    // SGLang: `prompt_tokens_details: null` and a top-level `reasoning_tokens` (its own shape).
    const sglang = relayed('sglang-openai', sglangChatStream).at(-1)?.usage;
    expect(sglang).toEqual({
      prompt_tokens: 30,
      completion_tokens: 3,
      total_tokens: 33,
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('an estimated usage chunk carries no breakdowns', () => {
    const usage = relayed('vllm', `${content}data: [DONE]\n\n`).at(-1)?.usage as Record<string, unknown>;
    expect(usage.eco_estimated).toBe(true);
    expect(usage).not.toHaveProperty('prompt_tokens_details');
    expect(usage).not.toHaveProperty('completion_tokens_details');
  });
});

describe('SGLang native /generate: meta_info.cached_tokens', () => {
  const native = pool('sglang');

  function withMeta(meta: Record<string, unknown>): string {
    const parsed = JSON.parse(sglangNonstream) as { meta_info: Record<string, unknown> };
    return JSON.stringify({ ...parsed, meta_info: { ...parsed.meta_info, ...meta } });
  }

  it('non-stream: the prefix-cache hits and reasoning tokens are reported', () => {
    const usage = adapterFor('sglang')!.decodeChat(sglangNonstream, ctx(native, { stream: false })).usage;
    expect(usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 32,
      total_tokens: 37,
      prompt_tokens_details: { cached_tokens: 2 },
    });
    const reasoning = adapterFor('sglang')!.decodeChat(
      withMeta({ reasoning_tokens: 7 }),
      ctx(native, { stream: false }),
    ).usage;
    expect(reasoning?.completion_tokens_details).toEqual({ reasoning_tokens: 7 });
  });

  it('non-stream: hostile counts are dropped, the totals stay', () => {
    for (const [name, value] of HOSTILE) {
      const usage = adapterFor('sglang')!.decodeChat(
        withMeta({ cached_tokens: value, reasoning_tokens: value }),
        ctx(native, { stream: false }),
      ).usage;
      expect(usage, name).toEqual({ prompt_tokens: 5, completion_tokens: 32, total_tokens: 37 });
    }
  });

  it('stream: the usage chunk carries the cached tokens of the final event', () => {
    const withHits = sglangStream.replaceAll('"cached_tokens":0', '"cached_tokens":3');
    const out = relayed('sglang', withHits);
    expect(out.at(-1)?.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 4,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 3 },
    });
  });
});

describe('relayed /v1/completions answers', () => {
  function completionUsage(usage: unknown): unknown {
    const body = JSON.stringify({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1,
      model: 'engine-model',
      choices: [{ index: 0, text: 'Hi', logprobs: null, finish_reason: 'stop' }],
      usage,
    });
    return adapterFor('vllm')!.completions!.decode(body, ctx(pool('vllm'), { stream: false })).usage;
  }

  it('keep valid breakdowns and drop hostile ones and unknown usage keys', () => {
    expect(completionUsage({ ...TOTALS, ...DETAILS })).toEqual({ ...TOTALS, ...DETAILS });
    for (const [name, value] of HOSTILE) {
      const usage = completionUsage({
        ...TOTALS,
        prompt_tokens_details: { cached_tokens: value },
        completion_tokens_details: value,
        engine_junk: value,
      });
      expect(usage, name).toEqual(TOTALS);
    }
  });
});
