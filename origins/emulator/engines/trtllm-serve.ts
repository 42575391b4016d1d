import { preFaults } from '../generation.ts';
import { sendJson, sendText, sleep } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';
import { openAiChat, openAiCompletion } from './openai-chat.ts';

/** trtllm-serve's flat error body (`create_error_response`). */
function errorBody(status: number, message: string): string {
  const type = status === 400 ? 'BadRequestError' : status === 404 ? 'NotFoundError' : 'InternalServerError';
  return JSON.stringify({ object: 'error', message, type, param: null, code: status });
}

// Request models use extra="forbid": any other key is a 400 with FastAPI's error text.
const CHAT_KEYS = new Set([
  'messages',
  'model',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'max_completion_tokens',
  'max_tokens',
  'n',
  'presence_penalty',
  'response_format',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'user',
  'reasoning_effort',
  'best_of',
  'use_beam_search',
  'top_k',
  'min_p',
  'repetition_penalty',
  'stop_token_ids',
  'include_stop_str_in_output',
  'ignore_eos',
  'min_tokens',
  'skip_special_tokens',
  'chat_template_kwargs',
  'priority',
  'cache_salt',
]);
const COMPLETION_KEYS = new Set([
  'model',
  'prompt',
  'best_of',
  'echo',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'max_tokens',
  'n',
  'presence_penalty',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'suffix',
  'temperature',
  'top_p',
  'user',
  'top_k',
  'repetition_penalty',
  'ignore_eos',
  'min_tokens',
]);

/** The validation error trtllm-serve's handler writes: `{"error": str(RequestValidationError)}`. */
function extraFieldError(body: unknown, allowed: ReadonlySet<string>): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const extra = Object.keys(body).find((k) => !allowed.has(k));
  if (extra === undefined) return undefined;
  const input = JSON.stringify((body as Record<string, unknown>)[extra]);
  return JSON.stringify({
    error: `[{'type': 'extra_forbidden', 'loc': ('body', '${extra}'), 'msg': 'Extra inputs are not permitted', 'input': ${input}}]`,
  });
}

// `ReasoningEffort` (harmony enum) | Literal["low", "medium", "high", "max", "none"].
const EFFORTS = new Set(['low', 'medium', 'high', 'max', 'none', 'Low', 'Medium', 'High']);

function effortError(body: unknown): string | undefined {
  const effort = (body as { reasoning_effort?: unknown } | undefined)?.reasoning_effort;
  if (effort == null || (typeof effort === 'string' && EFFORTS.has(effort))) return undefined;
  return JSON.stringify({
    error: `[{'type': 'literal_error', 'loc': ('body', 'reasoning_effort'), 'msg': "Input should be 'low', 'medium', 'high', 'max' or 'none'", 'input': ${JSON.stringify(effort)}}]`,
  });
}

function streamOptionsError(body: unknown): string | undefined {
  const b = body as { stream?: unknown; stream_options?: unknown } | undefined;
  if (b?.stream_options != null && b.stream !== true) {
    return JSON.stringify({
      error:
        "[{'type': 'value_error', 'msg': 'Value error, stream_options can only be set if stream is true'}]",
    });
  }
  return undefined;
}

export const trtllmServeEngine: EmulatedEngine = {
  protocol: 'trtllm-serve',
  probePaths: ['/health', '/prometheus/metrics', '/metrics'],
  errorResponse: (status, message) => ({ status, body: errorBody(status, message) }),
  async handle(r: EngineRequest) {
    const fail = (message: string) => sendJson(r.res, 400, errorBody(400, message));
    const probe = r.fault?.mode === 'slow-health' ? (r.fault.delayMs ?? 5000) : 0;
    if (r.method === 'GET' && r.path === '/health') {
      await sleep(probe);
      if (r.fault?.mode === 'loading') {
        sendText(r.res, 503, 'LLM is unavailable. Please check the server logs for more details.');
      } else sendText(r.res, 200, '');
      return true;
    }
    if (r.method === 'GET' && r.path === '/prometheus/metrics') {
      await sleep(probe);
      sendText(
        r.res,
        200,
        [
          '# TYPE trtllm_num_requests_running gauge',
          `trtllm_num_requests_running{model_name="emulated",engine_type="trtllm"} ${r.origin.inFlight}`,
          '# TYPE trtllm_num_requests_waiting gauge',
          'trtllm_num_requests_waiting{model_name="emulated",engine_type="trtllm"} 0',
          '# TYPE trtllm_kv_cache_utilization gauge',
          `trtllm_kv_cache_utilization{model_name="emulated",engine_type="trtllm"} ${Math.min(1, r.origin.inFlight / 64).toFixed(3)}`,
          '',
        ].join('\n'),
        'text/plain; version=0.0.4',
      );
      return true;
    }
    if (r.method === 'GET' && r.path === '/metrics') {
      await sleep(probe);
      // JSON iteration stats, drained by each read: an idle emulator has none queued.
      sendJson(r.res, 200, []);
      return true;
    }
    if (r.method === 'GET' && r.path === '/version') {
      sendJson(r.res, 200, { version: '1.0.0' });
      return true;
    }
    if (r.method === 'GET' && r.path === '/v1/models') {
      sendJson(r.res, 200, {
        object: 'list',
        data: [{ id: 'emulated', object: 'model', created: 0, owned_by: 'tensorrt_llm' }],
      });
      return true;
    }
    if (r.method !== 'POST') return false;
    if (r.path === '/v1/chat/completions' || r.path === '/v1/completions') {
      const chat = r.path === '/v1/chat/completions';
      const invalid =
        extraFieldError(r.body, chat ? CHAT_KEYS : COMPLETION_KEYS) ??
        (chat ? effortError(r.body) : undefined) ??
        streamOptionsError(r.body);
      if (invalid) {
        sendJson(r.res, 400, invalid);
        return true;
      }
      if (await preFaults(this, r)) return true;
      if (chat) await openAiChat(r, { streamUsage: true, trailingSpaceOnFirst: true }, fail);
      else await openAiCompletion(r, {}, fail);
      return true;
    }
    return false;
  },
};
