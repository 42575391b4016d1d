// Decoding cost per stream event for the TensorRT-LLM, DeepSpeed-MII and LMDeploy decoders: a synthetic
// 1,000-event stream shaped like each engine's fixture, each event pushed as its own network chunk, decoded
// repeatedly within a time bound. Run with the project's Node 22 (node_modules/.bin/node), which strips types.
import { miiOpenAiAdapter } from '../../origins/deepspeed-mii/openai.ts';
import { lmdeployAdapter, lmdeployOpenAiAdapter } from '../../origins/lmdeploy/index.ts';
import { lmdeployInteractiveStream } from '../../origins/lmdeploy/interactive-legacy.ts';
import { trtllmServeAdapter } from '../../origins/trtllm/serve.ts';
import { tritonAdapter } from '../../origins/trtllm/triton.ts';

const EVENTS = 1000;
const WORDS = [' edge', ' model', ' café', ' データ', ' 🙂', ' token', ' stream', ' naïve'];
const word = (i) => WORDS[i % WORDS.length];
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

function pool(protocol) {
  return {
    name: protocol,
    protocol,
    origins: [{ id: 'o1', url: 'http://o.test', capacity: 8, weight: 1 }],
    timeouts: { headersMs: 1000, firstTokenMs: 1000, idleMs: 1000, totalMs: 10000 },
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    options: {},
  };
}

function ctx(protocol) {
  return {
    engineModel: 'engine',
    clientModel: 'client',
    stream: true,
    includeUsage: true,
    pool: pool(protocol),
    requestId: 'bench',
    created: 1,
  };
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

function runOnce(make, chunks) {
  const decoder = make();
  let events = 0;
  let last;
  for (const chunk of chunks) {
    const out = decoder.push(chunk);
    events += out.length;
    if (out.length > 0) last = out.at(-1);
  }
  const tail = decoder.end();
  if (tail.length > 0) last = tail.at(-1);
  if (last?.kind !== 'end') throw new Error(`stream did not end cleanly: ${JSON.stringify(last)}`);
  return events + tail.length;
}

/** Median µs per frame over repeated decodes, bounded by `budgetMs` per engine. */
function measure(make, frames, budgetMs) {
  const encoder = new TextEncoder();
  const chunks = frames.map((f) => encoder.encode(f));
  for (let i = 0; i < 5; i++) runOnce(make, chunks);
  const samples = [];
  const deadline = performance.now() + budgetMs;
  while (samples.length < 5 || (performance.now() < deadline && samples.length < 200)) {
    const started = performance.now();
    runOnce(make, chunks);
    samples.push(((performance.now() - started) * 1000) / frames.length);
  }
  samples.sort((a, b) => a - b);
  return { usPerEvent: samples[Math.floor(samples.length / 2)], runs: samples.length };
}

export async function benchDecoders({ engines = Object.keys(ENGINES), budgetMs = 400 } = {}) {
  const results = [];
  for (const name of engines) {
    const engine = ENGINES[name];
    if (!engine) throw new Error(`unknown engine '${name}'`);
    const frames = engine.frames();
    const { usPerEvent, runs } = measure(engine.make, frames, budgetMs);
    const target = engine.framing === 'openai' ? 10 : 30;
    results.push({
      engine: name,
      framing: engine.framing,
      events: frames.length,
      runs,
      usPerEvent,
      target,
      ok: usPerEvent <= target,
    });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await benchDecoders({});
  for (const r of results) {
    console.log(
      `${r.engine.padEnd(22)} ${r.framing.padEnd(7)} ${r.usPerEvent.toFixed(2).padStart(7)} µs/event (target ≤${r.target}) ${r.ok ? 'ok' : 'OVER'}  [${r.events} events × ${r.runs} runs]`,
    );
  }
}
