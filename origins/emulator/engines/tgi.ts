import { type Generation, plan, preFaults, streamTokens } from '../generation.ts';
import { sendJson, sendText, sleep, write } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';
import { badChatRequest, openAiCompletion, promptOf } from './openai-chat.ts';

/**
 * Hugging Face TGI: the native `/generate` + `/generate_stream` API (SSE, no `[DONE]`, the last token
 * event carries `generated_text` and `details`, EOS streamed as a special token) and the Messages API
 * (`object` first, empty `id`, role repeated in every delta, in-stream errors under 200).
 */
const MODEL_ID = 'meta-llama/Llama-3.1-8B-Instruct';
const FINGERPRINT = '3.1.2-dev0-native';
const EOS = { id: 128009, text: '<|eot_id|>', logprob: -0.01, special: true };

const ERROR_TYPE: Record<number, string> = {
  422: 'validation',
  424: 'generation',
  429: 'overloaded',
  500: 'incomplete_generation',
};

function errorBody(status: number, message: string): string {
  const text = status === 429 ? 'Model is overloaded' : message;
  return JSON.stringify({ error: text, error_type: ERROR_TYPE[status] ?? 'unhealthy' });
}

interface GenerateBody {
  inputs?: unknown;
  parameters?: {
    max_new_tokens?: number;
    seed?: number;
    details?: boolean;
    temperature?: number;
    top_p?: number;
  };
}

function badGenerate(body: GenerateBody | undefined): string | undefined {
  if (!body || typeof body.inputs !== 'string')
    return 'Failed to deserialize the JSON body: missing field `inputs`';
  const p = body.parameters ?? {};
  if (p.temperature !== undefined && !(p.temperature > 0)) return '`temperature` must be strictly positive';
  if (p.top_p !== undefined && !(p.top_p > 0 && p.top_p < 1)) return '`top_p` must be > 0.0 and < 1.0';
  return undefined;
}

const token = (text: string, i: number) => ({ id: 1000 + i, text, logprob: -0.5, special: false });

function details(gen: Generation, withPrefill: boolean) {
  const generated = gen.tokens.length + (gen.finishReason === 'stop' ? 1 : 0);
  const finish = gen.finishReason === 'stop' ? 'eos_token' : 'length';
  return withPrefill
    ? {
        finish_reason: finish,
        generated_tokens: generated,
        seed: null,
        prefill: [],
        tokens: gen.tokens.map(token),
      }
    : { finish_reason: finish, generated_tokens: generated, seed: null, input_length: gen.promptTokens };
}

async function generate(r: EngineRequest, stream: boolean): Promise<void> {
  const body = r.body as GenerateBody | undefined;
  const problem = badGenerate(body);
  if (problem) return sendJson(r.res, 422, errorBody(422, problem));
  const p = body!.parameters ?? {};
  const gen = plan(r, body!.inputs as string, p.max_new_tokens, p.seed);
  const text = gen.tokens.join('');
  const withDetails = p.details === true;
  if (!stream) {
    sendJson(
      r.res,
      200,
      { generated_text: text, ...(withDetails ? { details: details(gen, true) } : {}) },
      { 'x-prompt-tokens': String(gen.promptTokens), 'x-generated-tokens': String(gen.tokens.length) },
    );
    return;
  }
  const last = gen.tokens.length - 1;
  const event = (tok: object, index: number, final: boolean) =>
    `data: ${JSON.stringify({
      index,
      token: tok,
      generated_text: final ? text : null,
      details: final && withDetails ? details(gen, false) : null,
    })}\n\n`;
  await streamTokens(r, gen, {
    contentType: 'text/event-stream',
    token: (t, i) => event(token(t, i), i + 1, i === last && gen.finishReason === 'length'),
    // A natural stop ends with the EOS token, streamed as a special token with the final fields.
    tail: () => (gen.finishReason === 'stop' || last < 0 ? event(EOS, last + 2, true) : ''),
    malformed: () => 'data: {"index":3,"token":{"id":1,"te\n\n',
  });
}

/** On /generate_stream TGI reports its own errors inside a 200 stream; other statuses come from a proxy. */
async function streamedFault(r: EngineRequest): Promise<boolean> {
  const fault = r.fault;
  if (fault?.mode !== 'status' || ERROR_TYPE[fault.status ?? 500] === undefined) return false;
  r.res.writeHead(200, { 'content-type': 'text/event-stream' });
  await write(
    r.res,
    `data: ${errorBody(fault.status ?? 500, `injected fault: HTTP ${fault.status ?? 500}`)}\n\n`,
  );
  r.res.end();
  return true;
}

interface ChatBody {
  model?: string;
  messages?: { role?: string; content?: unknown }[];
  max_tokens?: number;
  stream?: boolean;
  seed?: number;
  stream_options?: { include_usage?: boolean };
}

async function messages(r: EngineRequest): Promise<void> {
  const problem = badChatRequest({ model: 'tgi', ...(r.body as object) });
  if (problem) return sendJson(r.res, 422, errorBody(422, problem));
  const body = r.body as ChatBody;
  const model = !body.model || body.model === 'tgi' ? MODEL_ID : body.model;
  const gen = plan(r, promptOf(body.messages), body.max_tokens, body.seed);
  const created = Math.floor(Date.now() / 1000);
  const usage = {
    prompt_tokens: gen.promptTokens,
    completion_tokens: gen.tokens.length,
    total_tokens: gen.promptTokens + gen.tokens.length,
  };
  const head = { object: 'chat.completion.chunk', id: '', created, model, system_fingerprint: FINGERPRINT };
  if (!body.stream) {
    sendJson(r.res, 200, {
      object: 'chat.completion',
      id: '',
      created,
      model,
      system_fingerprint: FINGERPRINT,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: gen.tokens.join('') },
          logprobs: null,
          finish_reason: gen.finishReason,
        },
      ],
      usage,
    });
    return;
  }
  const chunk = (content: string, finish: string | null) =>
    `data: ${JSON.stringify({
      ...head,
      choices: [{ index: 0, delta: { role: 'assistant', content }, logprobs: null, finish_reason: finish }],
      usage: null,
    })}\n\n`;
  await streamTokens(r, gen, {
    contentType: 'text/event-stream',
    token: (t) => chunk(t, null),
    tail: () =>
      chunk('', gen.finishReason) +
      (body.stream_options?.include_usage
        ? `data: ${JSON.stringify({ ...head, choices: [], usage })}\n\n`
        : '') +
      'data: [DONE]\n\n',
    malformed: () => 'data: {"object":"chat.completion.chunk","id":"","choices":[{"delta":{"content":"tr\n\n',
  });
}

function metrics(r: EngineRequest) {
  sendText(
    r.res,
    200,
    [
      '# TYPE tgi_queue_size gauge',
      'tgi_queue_size 0',
      '# TYPE tgi_batch_current_size gauge',
      `tgi_batch_current_size ${r.origin.inFlight}`,
      '# TYPE tgi_batch_current_max_tokens gauge',
      `tgi_batch_current_max_tokens ${r.origin.inFlight * 512}`,
      '',
    ].join('\n'),
    'text/plain; version=0.0.4',
  );
}

async function handle(this: EmulatedEngine, r: EngineRequest): Promise<boolean> {
  if (r.method === 'GET' && (r.path === '/health' || r.path === '/metrics')) {
    if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
    if (r.path === '/metrics') metrics(r);
    else if (r.fault?.mode === 'loading') sendJson(r.res, 503, errorBody(503, 'unhealthy'));
    else sendText(r.res, 200, '');
    return true;
  }
  if (r.method === 'GET' && r.path === '/info') {
    sendJson(r.res, 200, {
      model_id: MODEL_ID,
      max_concurrent_requests: 128,
      max_stop_sequences: 4,
      max_input_tokens: 4095,
      max_total_tokens: 4096,
      router: 'text-generation-router',
      version: '3.1.2-dev0',
      docker_label: null,
    });
    return true;
  }
  if (r.method === 'GET' && r.path === '/v1/models') {
    sendJson(r.res, 200, {
      object: 'list',
      data: [{ id: MODEL_ID, object: 'model', created: 0, owned_by: MODEL_ID }],
    });
    return true;
  }
  if (r.method !== 'POST') return false;
  if (r.path === '/generate_stream') {
    if ((await streamedFault(r)) || (await preFaults(this, r))) return true;
    await generate(r, true);
    return true;
  }
  if (r.path === '/generate') {
    if (await preFaults(this, r)) return true;
    await generate(r, false);
    return true;
  }
  if (r.path === '/v1/chat/completions') {
    if (await preFaults(this, r)) return true;
    await messages(r);
    return true;
  }
  if (r.path === '/v1/completions') {
    if (await preFaults(this, r)) return true;
    await openAiCompletion(r, {}, (message) => sendJson(r.res, 422, errorBody(422, message)));
    return true;
  }
  return false;
}

const base = {
  probePaths: ['/health', '/metrics'],
  errorResponse: (status: number, message: string) => ({ status, body: errorBody(status, message) }),
  handle,
};

/** One TGI server answers both surfaces; each pool protocol gets its own emulated origin. */
export const tgiEngine: EmulatedEngine = { protocol: 'tgi', ...base };
export const tgiMessagesEngine: EmulatedEngine = { protocol: 'tgi-messages', ...base };
