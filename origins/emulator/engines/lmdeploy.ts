import { type Generation, plan, preFaults, streamTokens } from '../generation.ts';
import { sendJson, sendText, sleep } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';
import { openAiChat, openAiCompletion } from './openai-chat.ts';

/** LMDeploy v0.16's flat error body. */
function errorBody(status: number, message: string): string {
  const type =
    status === 404
      ? 'not_found_error'
      : status === 401
        ? 'authentication_error'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error';
  return JSON.stringify({ message, type, code: status, param: null, object: 'error' });
}

function tokenIds(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => 1000 + (((from + i) * 37) % 30000));
}

function meta(gen: Generation, completion: number, finish: string | null) {
  return {
    prompt_tokens: gen.promptTokens,
    completion_tokens: completion,
    finish_reason: finish === null ? null : { type: finish },
    output_token_logprobs: null,
    routed_experts: null,
  };
}

/** `GET /health` and `GET /metrics`, alike on both servers. Returns true when the request was answered. */
async function probe(r: EngineRequest): Promise<boolean> {
  if (r.method !== 'GET' || (r.path !== '/health' && r.path !== '/metrics')) return false;
  if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
  if (r.path === '/health') health(r);
  else metrics(r);
  return true;
}

function health(r: EngineRequest) {
  if (r.fault?.mode === 'loading')
    sendJson(r.res, 503, { status: 'initializing', message: 'engine is starting' });
  else sendJson(r.res, 200, { status: 'healthy', message: null });
}

function metrics(r: EngineRequest) {
  sendText(
    r.res,
    200,
    [
      '# TYPE lmdeploy:num_requests_running gauge',
      `lmdeploy:num_requests_running{model_name="emulated"} ${r.origin.inFlight}`,
      '# TYPE lmdeploy:num_requests_waiting gauge',
      'lmdeploy:num_requests_waiting{model_name="emulated"} 0',
      '# TYPE lmdeploy:gpu_cache_usage_perc gauge',
      `lmdeploy:gpu_cache_usage_perc{model_name="emulated"} ${Math.min(1, r.origin.inFlight / 64).toFixed(3)}`,
      '',
    ].join('\n'),
    'text/plain; version=0.0.4',
  );
}

/**
 * `POST /generate`: delta text, cumulative counts, the stop token's step as an empty event, the finish
 * reason on a last empty event, then `data: [DONE]`.
 */
async function generate(r: EngineRequest, fail: (message: string) => void) {
  const body = r.body as { prompt?: unknown; max_tokens?: unknown; stream?: unknown } | undefined;
  if (typeof body?.prompt !== 'string') return fail('Either prompt or input_ids must be provided');
  const gen = plan(r, body.prompt, typeof body.max_tokens === 'number' ? body.max_tokens : 128);
  const n = gen.tokens.length;
  if (body.stream !== true) {
    sendJson(r.res, 200, {
      text: gen.tokens.join(''),
      output_ids: tokenIds(0, n),
      meta_info: meta(gen, n, gen.finishReason),
    });
    return;
  }
  const event = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
  await streamTokens(r, gen, {
    contentType: 'text/event-stream',
    token: (token, i) =>
      event({ text: token, output_ids: tokenIds(i, i + 1), meta_info: meta(gen, i + 1, null) }),
    tail: () =>
      (gen.finishReason === 'stop'
        ? event({ text: '', output_ids: [], meta_info: meta(gen, n, null) })
        : '') +
      event({ text: '', output_ids: [], meta_info: meta(gen, n, gen.finishReason) }) +
      'data: [DONE]\n\n',
    malformed: () => 'data: {"text":"tru\n\n',
  });
}

export const lmdeployEngine: EmulatedEngine = {
  protocol: 'lmdeploy',
  probePaths: ['/health', '/metrics'],
  errorResponse: (status, message) => ({ status, body: errorBody(status, message) }),
  async handle(r: EngineRequest) {
    const fail = (message: string) => sendJson(r.res, 400, errorBody(400, message));
    if (await probe(r)) return true;
    if (r.method === 'POST' && r.path === '/generate') {
      if (await preFaults(this, r)) return true;
      await generate(r, fail);
      return true;
    }
    return false;
  },
};

export const lmdeployOpenAiEngine: EmulatedEngine = {
  protocol: 'lmdeploy-openai',
  probePaths: ['/health', '/metrics'],
  errorResponse: (status, message) => ({ status, body: errorBody(status, message) }),
  async handle(r: EngineRequest) {
    const fail = (message: string) => sendJson(r.res, 400, errorBody(400, message));
    if (await probe(r)) return true;
    if (r.method === 'GET' && r.path === '/v1/models') {
      sendJson(r.res, 200, {
        object: 'list',
        data: [
          {
            id: 'emulated',
            object: 'model',
            created: 0,
            owned_by: 'lmdeploy',
            root: 'emulated',
            parent: null,
            permission: [],
          },
        ],
      });
      return true;
    }
    if (r.method !== 'POST') return false;
    if (r.path === '/v1/chat/completions') {
      if (await preFaults(this, r)) return true;
      await openAiChat(r, { pythonSpacing: true, streamUsage: true }, fail);
      return true;
    }
    if (r.path === '/v1/completions') {
      if (await preFaults(this, r)) return true;
      await openAiCompletion(r, { pythonSpacing: true }, fail);
      return true;
    }
    if (r.path === '/v1/embeddings') {
      fail('Unsupported by turbomind.');
      return true;
    }
    if (r.path === '/generate') {
      if (await preFaults(this, r)) return true;
      await generate(r, fail);
      return true;
    }
    return false;
  },
};
