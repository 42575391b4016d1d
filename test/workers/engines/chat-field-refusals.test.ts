import { describe, expect, it } from 'vitest';
import { adapterFor, registeredProtocols } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

// Every chat field with an effect on the answer, asked of every engine API: either the engine gets it
// (in its own terms: the probe's marker is in the body sent) or the request is refused with a 400
// naming the field. Never sent without it.

const tool = { type: 'function' as const, function: { name: 'probe_tool', parameters: { type: 'object' } } };

interface Probe {
  fields: Partial<ChatCompletionRequest>;
  /** Text the body sent must contain when the engine takes the field. */
  marker: string;
}

const PROBES = {
  tools: { fields: { tools: [tool] }, marker: 'probe_tool' },
  response_format: {
    fields: {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 's',
          schema: { type: 'object', properties: { probe_prop: { type: 'string' } } },
        },
      },
    },
    marker: 'probe_prop',
  },
  logprobs: { fields: { logprobs: true }, marker: 'logprobs' },
  logit_bias: { fields: { logit_bias: { '1717': 3.5 } }, marker: '1717' },
  seed: { fields: { seed: 4242 }, marker: '4242' },
  presence_penalty: { fields: { presence_penalty: 0.37 }, marker: '0.37' },
  frequency_penalty: { fields: { frequency_penalty: 0.29 }, marker: '0.29' },
  tool_choice: { fields: { tools: [tool], tool_choice: 'required' }, marker: 'required' },
  effort_minimal: { fields: { reasoning_effort: 'minimal' }, marker: '"minimal"' },
  effort_low: { fields: { reasoning_effort: 'low' }, marker: '"low"' },
  effort_medium: { fields: { reasoning_effort: 'medium' }, marker: '"medium"' },
  effort_high: { fields: { reasoning_effort: 'high' }, marker: '"high"' },
} satisfies Record<string, Probe>;

type ProbeName = keyof typeof PROBES;
/** The param a 400 names, for the probes an engine refuses; every other probe reaches the engine. */
type Refusals = Partial<Record<ProbeName, string>>;

const NO_EFFORT: Refusals = {
  effort_minimal: 'reasoning_effort',
  effort_low: 'reasoning_effort',
  effort_medium: 'reasoning_effort',
  effort_high: 'reasoning_effort',
};
const PROMPT_ONLY: Refusals = {
  tools: 'tools',
  response_format: 'response_format',
  logprobs: 'logprobs',
  logit_bias: 'logit_bias',
  tool_choice: 'tools',
  ...NO_EFFORT,
};

const EXPECTED: Record<EngineProtocol, Refusals> = {
  vllm: {},
  tgi: {
    tools: 'tools',
    logprobs: 'logprobs',
    logit_bias: 'logit_bias',
    presence_penalty: 'presence_penalty',
    tool_choice: 'tools',
    ...NO_EFFORT,
  },
  // Its ChatRequest reads presence_penalty as repetition_penalty = presence_penalty + 2.
  'tgi-messages': { logit_bias: 'logit_bias', presence_penalty: 'presence_penalty', ...NO_EFFORT },
  ollama: {
    logit_bias: 'logit_bias',
    tool_choice: 'tool_choice',
    effort_minimal: 'reasoning_effort',
  },
  sglang: { tools: 'tools', logprobs: 'logprobs', tool_choice: 'tools', ...NO_EFFORT },
  'sglang-openai': {},
  'trtllm-serve': { effort_minimal: 'reasoning_effort' },
  'triton-trtllm': PROMPT_ONLY,
  'deepspeed-mii': {
    ...PROMPT_ONLY,
    seed: 'seed',
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
  },
  // Its OpenAI server reads no penalties either: they never reach `generate_args`.
  'deepspeed-mii-openai': {
    ...PROMPT_ONLY,
    seed: 'seed',
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
  },
  lmdeploy: {
    ...PROMPT_ONLY,
    seed: 'seed',
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
  },
  // Its chat handler builds the sampling config from temperature, top_p, top_k, min_p and
  // repetition_penalty only ("presence_penalty/frequency_penalty: not supported", chat_completions/serving.py).
  'lmdeploy-openai': {
    presence_penalty: 'presence_penalty',
    frequency_penalty: 'frequency_penalty',
    effort_minimal: 'reasoning_effort',
  },
};

const req = (over: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});

describe('chat fields per engine: sent or refused, never dropped', () => {
  it('covers every registered protocol', () => {
    expect(new Set(registeredProtocols())).toEqual(new Set(Object.keys(EXPECTED)));
  });

  for (const protocol of registeredProtocols()) {
    for (const [name, probe] of Object.entries(PROBES) as [ProbeName, Probe][]) {
      const refusedAs = EXPECTED[protocol][name];
      it(`${protocol} ${name}: ${refusedAs ? `refused naming ${refusedAs}` : 'sent to the engine'}`, () => {
        const adapter = adapterFor(protocol)!;
        const build = () => adapter.buildChat(req(probe.fields), ctx(pool(protocol)));
        if (refusedAs) {
          expect(build).toThrow(
            expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: refusedAs }),
          );
          expect(build).toThrow(adapter.engine);
        } else {
          expect(build().body).toContain(probe.marker);
        }
      });
    }
  }

  it('a refused reasoning_effort names the values the engine takes', () => {
    for (const protocol of ['lmdeploy-openai', 'ollama'] as const) {
      const adapter = adapterFor(protocol)!;
      expect(() => adapter.buildChat(req({ reasoning_effort: 'minimal' }), ctx(pool(protocol)))).toThrow(
        `${adapter.engine} takes reasoning_effort 'low', 'medium' or 'high', not 'minimal'`,
      );
    }
    const trtllm = adapterFor('trtllm-serve')!;
    expect(() => trtllm.buildChat(req({ reasoning_effort: 'minimal' }), ctx(pool('trtllm-serve')))).toThrow(
      `${trtllm.engine} takes reasoning_effort 'none', 'low', 'medium', 'high' or 'max', not 'minimal'`,
    );
    expect(() => adapterFor('tgi')!.buildChat(req({ reasoning_effort: 'high' }), ctx(pool('tgi')))).toThrow(
      'TGI does not support reasoning_effort',
    );
    // Values newer than the engines' (OpenAI's `none`, `xhigh`) are the engine's 400, not a schema error.
    for (const effort of ['none', 'xhigh'] as const) {
      expect(() =>
        adapterFor('vllm')!.buildChat(req({ reasoning_effort: effort }), ctx(pool('vllm'))),
      ).toThrow(
        expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'reasoning_effort' }),
      );
    }
  });

  it('no-op values are not refused: zero penalties, an empty logit_bias, tool_choice auto or none', () => {
    const quiet = req({ presence_penalty: 0, frequency_penalty: 0, logit_bias: {}, tool_choice: 'none' });
    for (const protocol of registeredProtocols()) {
      expect(() => adapterFor(protocol)!.buildChat(quiet, ctx(pool(protocol))), protocol).not.toThrow();
    }
    expect(() =>
      adapterFor('ollama')!.buildChat(req({ tools: [tool], tool_choice: 'auto' }), ctx(pool('ollama'))),
    ).not.toThrow();
  });

  it('Ollama takes reasoning_effort as its think level', () => {
    const body = JSON.parse(
      adapterFor('ollama')!.buildChat(req({ reasoning_effort: 'high' }), ctx(pool('ollama'))).body!,
    );
    expect(body.think).toBe('high');
    expect(body).not.toHaveProperty('reasoning_effort');
  });

  it('SGLang /generate takes seed and logit_bias as sampling params', () => {
    const body = JSON.parse(
      adapterFor('sglang')!.buildChat(req({ seed: 9, logit_bias: { '5': -100 } }), ctx(pool('sglang'))).body!,
    );
    expect(body.sampling_params).toMatchObject({ sampling_seed: 9, logit_bias: { '5': -100 } });
  });
});
