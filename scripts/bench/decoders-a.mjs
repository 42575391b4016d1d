// Decoding cost per stream event for the TGI, Ollama and SGLang decoders: a synthetic 1,000-event stream
// shaped like each engine's fixture, each event pushed as its own network chunk, decoded repeatedly within
// a time bound. Run with the project's Node 22 (node_modules/.bin/node), which strips types.
import { ollamaAdapter } from '../../origins/ollama/index.ts';
import { sglangAdapter, sglangOpenAiAdapter } from '../../origins/sglang/index.ts';
import { tgiAdapter, tgiMessagesAdapter } from '../../origins/tgi/index.ts';
import { benchEngines, ctx, EVENTS, printResults, word } from './lib/decoder-harness.mjs';

const sse = (value) => `data: ${JSON.stringify(value)}\n\n`;

/** SGLang /generate events: `text` and `output_ids` cumulative by default, deltas when incremental. */
function sglangFrames(incremental) {
  const out = [];
  let text = '';
  const ids = [];
  for (let i = 0; i < EVENTS; i++) {
    text += word(i);
    ids.push(1000 + i);
    const last = i === EVENTS - 1;
    out.push(
      sse({
        text: incremental ? word(i) : text,
        output_ids: incremental ? [1000 + i] : ids,
        meta_info: {
          id: '0a5f7c1e2b9d4e6f8a1b2c3d4e5f6a7b',
          finish_reason: last ? { type: 'length', length: EVENTS } : null,
          prompt_tokens: 5,
          weight_version: 'default',
          total_retractions: 0,
          completion_tokens: i + 1,
          cached_tokens: 0,
          cached_tokens_details: null,
          dp_rank: null,
          ...(last ? { e2e_latency: 0.04, response_sent_to_client_ts: 1772580183.37 } : {}),
        },
      }),
    );
  }
  out.push('data: [DONE]\n\n');
  return out;
}

/** Each engine: a decoder factory and its events as separate SSE/NDJSON frames. */
const ENGINES = {
  tgi: {
    framing: 'native',
    make: () => tgiAdapter.chatStream(ctx('tgi')),
    frames: () => {
      const out = [];
      let text = '';
      for (let i = 1; i <= EVENTS; i++) {
        text += word(i);
        const last = i === EVENTS;
        out.push(
          sse({
            index: i,
            token: { id: 363 + i, text: word(i), logprob: -1.5351562, special: false },
            generated_text: last ? text : null,
            details: last
              ? { finish_reason: 'length', generated_tokens: EVENTS, seed: null, input_length: 6 }
              : null,
          }),
        );
      }
      return out;
    },
  },
  'tgi-messages': {
    framing: 'native',
    make: () => tgiMessagesAdapter.chatStream(ctx('tgi-messages')),
    frames: () => {
      const head = {
        object: 'chat.completion.chunk',
        id: '',
        created: 1741266005,
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        system_fingerprint: '3.1.2-dev0-native',
      };
      const chunk = (content, finish) =>
        sse({
          ...head,
          choices: [
            { index: 0, delta: { role: 'assistant', content }, logprobs: null, finish_reason: finish },
          ],
          usage: null,
        });
      const out = [];
      for (let i = 0; i < EVENTS - 2; i++) out.push(chunk(word(i), null));
      out.push(chunk('', 'stop'));
      out.push(
        sse({
          ...head,
          choices: [],
          usage: { prompt_tokens: 39, completion_tokens: EVENTS, total_tokens: 1039 },
        }),
      );
      out.push('data: [DONE]\n\n');
      return out;
    },
  },
  ollama: {
    framing: 'native',
    make: () => ollamaAdapter.chatStream(ctx('ollama')),
    frames: () => {
      const out = [];
      for (let i = 0; i < EVENTS - 1; i++) {
        out.push(
          `${JSON.stringify({ model: 'llama3.2', created_at: '2023-08-04T15:52:19.385406455Z', message: { role: 'assistant', content: word(i) }, done: false })}\n`,
        );
      }
      out.push(
        `${JSON.stringify({
          model: 'llama3.2',
          created_at: '2023-08-04T19:22:45.499127Z',
          message: { role: 'assistant', content: '' },
          done: true,
          done_reason: 'stop',
          total_duration: 4883583458,
          load_duration: 1334875,
          prompt_eval_count: 26,
          prompt_eval_duration: 342546000,
          eval_count: EVENTS - 1,
          eval_duration: 4535599000,
        })}\n`,
      );
      return out;
    },
  },
  sglang: {
    framing: 'native',
    make: () => sglangAdapter.chatStream(ctx('sglang')),
    frames: () => sglangFrames(false),
  },
  'sglang-incremental': {
    framing: 'native',
    make: () => sglangAdapter.chatStream(ctx('sglang', { incremental: true })),
    frames: () => sglangFrames(true),
  },
  'sglang-openai': {
    framing: 'openai',
    make: () => sglangOpenAiAdapter.chatStream(ctx('sglang-openai')),
    frames: () => {
      const head = {
        id: 'a1b2c3d4e5f64789a0b1c2d3e4f5a6b7',
        object: 'chat.completion.chunk',
        created: 1755000000,
        model: 'qwen/qwen2.5-0.5b-instruct',
      };
      const chunk = (delta, finish, matched) =>
        sse({
          ...head,
          choices: [
            {
              index: 0,
              delta: { reasoning_content: null, ...delta },
              logprobs: null,
              finish_reason: finish,
              matched_stop: matched,
            },
          ],
        });
      const out = [chunk({ role: 'assistant', content: '' }, null, null)];
      for (let i = 1; i < EVENTS - 2; i++) out.push(chunk({ content: word(i) }, null, null));
      out.push(chunk({}, 'stop', 151645));
      out.push(
        sse({
          ...head,
          choices: [],
          usage: {
            prompt_tokens: 30,
            total_tokens: 30 + EVENTS,
            completion_tokens: EVENTS,
            prompt_tokens_details: null,
            reasoning_tokens: 0,
          },
        }),
      );
      out.push('data: [DONE]\n\n');
      return out;
    },
  },
};

export async function benchDecoders(options = {}) {
  return benchEngines(ENGINES, options);
}

if (import.meta.url === `file://${process.argv[1]}`) printResults(await benchDecoders({}));
