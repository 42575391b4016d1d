// Decoding cost per stream event for the TensorRT-LLM, DeepSpeed-MII and LMDeploy decoders: a synthetic
// 1,000-event stream shaped like each engine's fixture, each event pushed as its own network chunk, decoded
// repeatedly within a time bound. Run with the project's Node 22 (node_modules/.bin/node), which strips types.
import { miiOpenAiAdapter } from '../../origins/deepspeed-mii/openai.ts';
import { lmdeployAdapter, lmdeployOpenAiAdapter } from '../../origins/lmdeploy/index.ts';
import { lmdeployInteractiveStream } from '../../origins/lmdeploy/interactive-legacy.ts';
import { trtllmServeAdapter } from '../../origins/trtllm/serve.ts';
import { tritonAdapter } from '../../origins/trtllm/triton.ts';
import { benchEngines, ctx, EVENTS, printResults, word } from './lib/decoder-harness.mjs';

/** Python json.dumps spacing (`", "` and `": "` outside strings), as MII and LMDeploy write. */
function py(value) {
  const text = JSON.stringify(value);
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    out += ch;
    if (ch === '"' && text[i - 1] !== '\\') inString = !inString;
    else if (!inString && (ch === ',' || ch === ':')) out += ' ';
  }
  return out;
}

const request = {
  model: 'client',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello' },
  ],
  max_tokens: EVENTS + 10,
};

/** Each engine: a decoder factory and its events as separate SSE/NDJSON frames. */
const ENGINES = {
  'trtllm-serve': {
    framing: 'openai',
    make: () => trtllmServeAdapter.chatStream(ctx('trtllm-serve')),
    frames: () => {
      const head = {
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        created: 1750000000,
        model: 'TinyLlama',
      };
      const out = [
        `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant' } }] })} \n\n`,
      ];
      for (let i = 1; i < EVENTS - 1; i++)
        out.push(
          `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { content: word(i), reasoning_content: '' } }] })}\n\n`,
        );
      out.push(
        `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { content: '', reasoning_content: '' }, finish_reason: 'stop' }] })}\n\n`,
      );
      return [...out, 'data: [DONE]\n\n'];
    },
  },
  'triton-trtllm': {
    framing: 'native',
    make: () => {
      const c = ctx('triton-trtllm');
      tritonAdapter.buildChat(request, c);
      return tritonAdapter.chatStream(c);
    },
    frames: () =>
      Array.from({ length: EVENTS }, (_, i) => {
        const e = {
          context_logits: 0.0,
          cum_log_probs: 0.0,
          generation_logits: 0.0,
          model_name: 'ensemble',
          model_version: '1',
          output_log_probs: [0.0, 0.0],
          sequence_end: false,
          sequence_id: 0,
          sequence_start: false,
          text_output: word(i),
        };
        return `data: ${JSON.stringify(e)}\n\n`;
      }),
  },
  'deepspeed-mii-openai': {
    framing: 'native',
    make: () => miiOpenAiAdapter.chatStream(ctx('deepspeed-mii-openai')),
    frames: () => {
      const head = { id: 'chatcmpl-3GVq', model: 'mistralai/Mistral-7B-Instruct-v0.1' };
      const out = [];
      for (let i = 0; i < EVENTS; i++) {
        const delta = i === 0 ? { role: 'assistant' } : { content: word(i) };
        out.push(
          `data: ${py({ ...head, choices: [{ index: 0, delta, finish_reason: i === EVENTS - 1 ? 'length' : null }] })}\n\n`,
        );
      }
      return [...out, 'data: [DONE]\n\n'];
    },
  },
  lmdeploy: {
    framing: 'native',
    make: () => {
      const c = ctx('lmdeploy');
      lmdeployAdapter.buildChat(request, c);
      return lmdeployAdapter.chatStream(c);
    },
    frames: () => {
      const meta = (n, finish) => ({
        prompt_tokens: 5,
        completion_tokens: n,
        finish_reason: finish,
        output_token_logprobs: null,
        routed_experts: null,
      });
      const out = [];
      for (let i = 0; i < EVENTS - 1; i++)
        out.push(
          `data: ${JSON.stringify({ text: word(i), output_ids: [1000 + i], meta_info: meta(i + 1, null) })}\n\n`,
        );
      out.push(
        `data: ${JSON.stringify({ text: '', output_ids: [], meta_info: meta(EVENTS - 1, { type: 'stop' }) })}\n\n`,
      );
      return [...out, 'data: [DONE]\n\n'];
    },
  },
  'lmdeploy-openai': {
    framing: 'openai',
    make: () => lmdeployOpenAiAdapter.chatStream(ctx('lmdeploy-openai')),
    frames: () => {
      const head = {
        id: 'chatcmpl-Zx8d',
        object: 'chat.completion.chunk',
        created: 1755000000,
        model: 'internlm/internlm2_5-7b-chat',
      };
      const out = [];
      for (let i = 0; i < EVENTS - 1; i++)
        out.push(
          `data: ${py({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: word(i) } }], usage: null })}\n\n`,
        );
      out.push(
        `data: ${py({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' }], usage: null })}\n\n`,
      );
      return [...out, 'data: [DONE]\n\n'];
    },
  },
  'lmdeploy-interactive': {
    framing: 'native',
    make: () => lmdeployInteractiveStream(),
    frames: () =>
      Array.from({ length: EVENTS }, (_, i) => {
        const last = i === EVENTS - 1;
        return `${JSON.stringify({ text: last ? '' : word(i), tokens: i + 1, input_tokens: 21, history_tokens: 0, finish_reason: last ? 'stop' : null })}\n`;
      }),
  },
};

export async function benchDecoders(options = {}) {
  return benchEngines(ENGINES, options);
}

if (import.meta.url === `file://${process.argv[1]}`) printResults(await benchDecoders({}));
