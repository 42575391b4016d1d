import { type Generation, plan, preFaults, streamTokens } from '../generation.ts';
import { sendJson, sendText, sleep } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';
import {
  badChatRequest,
  type ChatBody,
  dumps,
  openAiCompletion,
  openAiEmbeddings,
  promptOf,
} from './openai-chat.ts';
import { cachedPromptTokens } from './prefix-cache.ts';

/**
 * SGLang: the native `/generate` (SSE events whose `text` is the whole text so far, `meta_info` with a
 * finish-reason object and token counts, then `data: [DONE]`) and its OpenAI server (deltas carry
 * `reasoning_content: null`, choices carry `matched_stop`, the finish comes in a chunk of its own).
 */
const MODEL_PATH = 'meta-llama/Llama-3.1-8B-Instruct';
const EOS_ID = 128009;
// The emulated server runs with `--context-length 32768`.
const CONTEXT_LENGTH = 32768;

// tokenizer_manager.py `_validate_one_request`: the ValueError every API reports for an over-long input.
const tooLong = (promptTokens: number) =>
  `The input (${promptTokens} tokens) is longer than the model's context length (${CONTEXT_LENGTH} tokens).`;

const nativeError = (message: string) => JSON.stringify({ error: { message } });

function openAiError(status: number, message: string): string {
  const type = status === 400 ? 'BadRequestError' : status === 404 ? 'NotFoundError' : 'InternalServerError';
  return JSON.stringify({ object: 'error', message, type, param: null, code: status });
}

const ids = (gen: Generation, upTo: number) => gen.tokens.slice(0, upTo).map((_, i) => 1000 + i);

function meta(r: EngineRequest, gen: Generation, count: number, final: boolean, cached: number) {
  const finish = !final
    ? null
    : gen.finishReason === 'length'
      ? { type: 'length', length: gen.tokens.length }
      : { type: 'stop', matched: EOS_ID };
  return {
    id: `${r.origin.id}-${r.origin.served}`.padEnd(32, '0'),
    finish_reason: finish,
    prompt_tokens: gen.promptTokens,
    weight_version: 'default',
    total_retractions: 0,
    completion_tokens: count,
    cached_tokens: cached,
    cached_tokens_details: null,
    dp_rank: null,
    ...(final ? { e2e_latency: 0.0413702130317688 } : {}),
  };
}

async function generate(r: EngineRequest): Promise<void> {
  const body = r.body as
    | { text?: unknown; sampling_params?: { max_new_tokens?: number }; stream?: boolean }
    | undefined;
  if (!body || typeof body.text !== 'string')
    return sendJson(r.res, 400, nativeError('Either text or input_ids should be provided.'));
  // SGLang's own default budget is 128 new tokens.
  const gen = plan(r, body.text, body.sampling_params?.max_new_tokens ?? 128);
  if (gen.promptTokens > CONTEXT_LENGTH) {
    // http_server.py `generate_request`: 400 when not streaming; in the open stream (orjson) otherwise.
    if (!body.stream) return sendJson(r.res, 400, nativeError(tooLong(gen.promptTokens)));
    r.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    r.res.end(`data: ${nativeError(tooLong(gen.promptTokens))}\n\ndata: [DONE]\n\n`);
    return;
  }
  // Token-granular radix cache (page size 1); every event of the request reports the same hits.
  const cached = cachedPromptTokens(r.origin, body.text, gen.promptTokens, 1);
  if (!body.stream) {
    sendJson(r.res, 200, {
      text: gen.tokens.join(''),
      output_ids: ids(gen, gen.tokens.length),
      meta_info: meta(r, gen, gen.tokens.length, true, cached),
    });
    return;
  }
  const last = gen.tokens.length - 1;
  const event = (count: number, final: boolean) =>
    `data: ${JSON.stringify({
      text: gen.tokens.slice(0, count).join(''),
      output_ids: ids(gen, count),
      meta_info: meta(r, gen, count, final, cached),
    })}\n\n`;
  await streamTokens(r, gen, {
    contentType: 'text/event-stream',
    token: (_t, i) => event(i + 1, i === last),
    tail: () => `${last < 0 ? event(0, true) : ''}data: [DONE]\n\n`,
    malformed: () => 'data: {"text":" Paris. It","output_ids":[12095,\n\n',
  });
}

async function chat(r: EngineRequest): Promise<void> {
  const problem = badChatRequest(r.body);
  if (problem) return sendJson(r.res, 400, openAiError(400, problem));
  const body = r.body as ChatBody;
  const model = body.model!;
  const gen = plan(r, promptOf(body.messages), body.max_completion_tokens ?? body.max_tokens, body.seed);
  if (gen.promptTokens > CONTEXT_LENGTH) return overLong(r, gen.promptTokens, body.stream === true);
  const id = `${r.origin.id.replace(/\W/g, '')}${r.origin.served}`.padEnd(32, 'a');
  const created = Math.floor(Date.now() / 1000);
  const matched = gen.finishReason === 'stop' ? EOS_ID : null;
  const usage = {
    prompt_tokens: gen.promptTokens,
    total_tokens: gen.promptTokens + gen.tokens.length,
    completion_tokens: gen.tokens.length,
    prompt_tokens_details: null,
    reasoning_tokens: 0,
  };
  if (!body.stream) {
    sendJson(r.res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: gen.tokens.join(''),
            reasoning_content: null,
            tool_calls: null,
          },
          logprobs: null,
          finish_reason: gen.finishReason,
          matched_stop: matched,
        },
      ],
      usage,
    });
    return;
  }
  const head = { id, object: 'chat.completion.chunk', created, model };
  const chunk = (delta: object, finish: string | null, stop: number | null) =>
    `data: ${JSON.stringify({
      ...head,
      choices: [
        {
          index: 0,
          delta: { reasoning_content: null, ...delta },
          logprobs: null,
          finish_reason: finish,
          matched_stop: stop,
        },
      ],
    })}\n\n`;
  await streamTokens(r, gen, {
    contentType: 'text/event-stream',
    head: () => chunk({ role: 'assistant', content: '' }, null, null),
    token: (t) => chunk({ content: t }, null, null),
    tail: () =>
      chunk({}, gen.finishReason, matched) +
      (body.stream_options?.include_usage
        ? `data: ${JSON.stringify({ ...head, choices: [], usage })}\n\n`
        : '') +
      'data: [DONE]\n\n',
    malformed: () => `data: {"id":"${id}","choices":[{"delta":{"content":"tr\n\n`,
  });
}

/**
 * An over-long chat input. The tokenizer manager raises while the stream is already open, so
 * serving_chat.py `_generate_chat_stream` (`except ValueError` → `create_streaming_error_response`)
 * writes the error as a `data:` event under HTTP 200 (Python `json.dumps` spacing), then `[DONE]`.
 */
function overLong(r: EngineRequest, promptTokens: number, stream: boolean): void {
  if (!stream) {
    sendJson(r.res, 400, openAiError(400, tooLong(promptTokens)));
    return;
  }
  const error = {
    object: 'error',
    message: tooLong(promptTokens),
    type: 'BadRequestError',
    param: null,
    code: 400,
  };
  r.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  r.res.end(`data: ${dumps({ error }, true)}\n\ndata: [DONE]\n\n`);
}

function metrics(r: EngineRequest): void {
  const labels = `{model_name="${MODEL_PATH}"}`;
  sendText(
    r.res,
    200,
    [
      '# TYPE sglang:num_running_reqs gauge',
      `sglang:num_running_reqs${labels} ${r.origin.inFlight}`,
      '# TYPE sglang:num_queue_reqs gauge',
      `sglang:num_queue_reqs${labels} 0`,
      '# TYPE sglang:token_usage gauge',
      `sglang:token_usage${labels} ${Math.min(1, r.origin.inFlight / 64).toFixed(3)}`,
      '',
    ].join('\n'),
    'text/plain; version=0.0.4',
  );
}

async function handle(this: EmulatedEngine, r: EngineRequest): Promise<boolean> {
  if (r.method === 'GET' && this.probePaths.includes(r.path)) {
    if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
    // Warm-up (and the emulator's loading fault) answers 503 with an empty body.
    if (r.path === '/metrics') metrics(r);
    else sendText(r.res, r.fault?.mode === 'loading' ? 503 : 200, '');
    return true;
  }
  if (r.method === 'GET' && r.path === '/get_model_info') {
    sendJson(r.res, 200, {
      model_path: MODEL_PATH,
      tokenizer_path: MODEL_PATH,
      is_generation: true,
      weight_version: 'default',
    });
    return true;
  }
  if (r.method === 'GET' && r.path === '/v1/models') {
    sendJson(r.res, 200, {
      object: 'list',
      data: [
        {
          id: MODEL_PATH,
          object: 'model',
          created: 0,
          owned_by: 'sglang',
          root: MODEL_PATH,
          max_model_len: CONTEXT_LENGTH,
        },
      ],
    });
    return true;
  }
  if (r.method !== 'POST' && r.method !== 'PUT') return false;
  const bad = (message: string) => sendJson(r.res, 400, openAiError(400, message));
  switch (r.path) {
    case '/generate':
      if (await preFaults(this, r)) return true;
      await generate(r);
      return true;
    case '/v1/chat/completions':
      if (await preFaults(this, r)) return true;
      await chat(r);
      return true;
    case '/v1/completions':
      if (await preFaults(this, r)) return true;
      await openAiCompletion(r, {}, bad);
      return true;
    case '/v1/embeddings':
      if (await preFaults(this, r)) return true;
      openAiEmbeddings(r, bad);
      return true;
    default:
      return false;
  }
}

const probePaths = ['/health', '/health_generate', '/metrics'];

/** One SGLang server answers both APIs; errors take the shape of the API the pool speaks. */
export const sglangEngine: EmulatedEngine = {
  protocol: 'sglang',
  probePaths,
  errorResponse: (status, message) => ({ status, body: nativeError(message) }),
  handle,
};

export const sglangOpenAiEngine: EmulatedEngine = {
  protocol: 'sglang-openai',
  probePaths,
  errorResponse: (status, message) => ({ status, body: openAiError(status, message) }),
  handle,
};
