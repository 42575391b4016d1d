import { preFaults } from '../generation.ts';
import { sendJson, sendText, sleep } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';
import { openAiChat, openAiCompletion, openAiEmbeddings } from './openai-chat.ts';

/** vLLM ≥0.10.1 error envelope: nested, with the integer status as `code`. */
function errorBody(status: number, message: string): string {
  const type = status === 400 ? 'BadRequestError' : status === 404 ? 'NotFoundError' : 'InternalServerError';
  return JSON.stringify({ error: { message, type, param: null, code: status } });
}

export const vllmEngine: EmulatedEngine = {
  protocol: 'vllm',
  probePaths: ['/health', '/metrics'],
  errorResponse: (status, message) => ({ status, body: errorBody(status, message) }),
  async handle(r: EngineRequest) {
    const fail = (message: string) => sendJson(r.res, 400, errorBody(400, message));
    if (r.method === 'GET' && r.path === '/health') {
      const fault = r.fault;
      if (fault?.mode === 'slow-health') await sleep(fault.delayMs ?? 5000);
      // vLLM refuses connections while loading; the emulator answers 503 so the origin stays observable.
      if (fault?.mode === 'loading') {
        sendText(r.res, 503, '');
        return true;
      }
      sendText(r.res, 200, '');
      return true;
    }
    if (r.method === 'GET' && r.path === '/metrics') {
      if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
      sendText(
        r.res,
        200,
        [
          '# HELP vllm:num_requests_running Number of requests in model execution batches.',
          '# TYPE vllm:num_requests_running gauge',
          `vllm:num_requests_running{model_name="emulated"} ${r.origin.inFlight}`,
          '# TYPE vllm:num_requests_waiting gauge',
          'vllm:num_requests_waiting{model_name="emulated"} 0',
          '# TYPE vllm:kv_cache_usage_perc gauge',
          `vllm:kv_cache_usage_perc{model_name="emulated"} ${Math.min(1, r.origin.inFlight / 64).toFixed(3)}`,
          '',
        ].join('\n'),
        'text/plain; version=0.0.4',
      );
      return true;
    }
    if (r.method === 'GET' && r.path === '/v1/models') {
      sendJson(r.res, 200, {
        object: 'list',
        data: [...r.origin.models].map((id) => ({ id, object: 'model', owned_by: 'vllm' })),
      });
      return true;
    }
    if (r.method !== 'POST') return false;
    if (r.path === '/v1/chat/completions') {
      if (await preFaults(this, r)) return true;
      await openAiChat(r, { streamUsage: true, promptTokensDetails: true }, fail);
      return true;
    }
    if (r.path === '/v1/completions') {
      if (await preFaults(this, r)) return true;
      await openAiCompletion(r, {}, fail);
      return true;
    }
    if (r.path === '/v1/embeddings') {
      if (await preFaults(this, r)) return true;
      openAiEmbeddings(r, fail);
      return true;
    }
    return false;
  },
};
