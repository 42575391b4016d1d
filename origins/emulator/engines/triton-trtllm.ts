import { type Generation, plan, preFaults, streamTokens } from '../generation.ts';
import { sendJson, sendText, sleep } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';

const MODELS = new Set(['ensemble', 'tensorrt_llm_bls']);
const ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/(generate|generate_stream)$/;

function errorBody(message: string): string {
  return JSON.stringify({ error: message });
}

/** The end-of-turn token the TRT-LLM model detokenizes as its last piece, by the prompt's format. */
function endToken(prompt: string): string {
  if (prompt.startsWith('<|begin_of_text|>')) return '<|eot_id|>';
  if (prompt.startsWith('<s>')) return '</s>';
  return '<|im_end|>';
}

function response(model: string, text: string, logProbs: number) {
  return {
    context_logits: 0.0,
    cum_log_probs: 0.0,
    generation_logits: 0.0,
    model_name: model,
    model_version: '1',
    output_log_probs: logProbs === 1 ? 0.0 : Array.from({ length: logProbs }, () => 0.0),
    sequence_end: false,
    sequence_id: 0,
    sequence_start: false,
    text_output: text,
  };
}

/**
 * Triton's generate extension over a TRT-LLM ensemble: `text_output` only, the prompt echoed in
 * non-stream answers (`exclude_input_in_output` is false by default), the end token as the last piece,
 * and a stream that just ends — no terminator.
 */
export const tritonTrtllmEngine: EmulatedEngine = {
  protocol: 'triton-trtllm',
  probePaths: ['/v2/health/ready', '/v2/health/live', '/metrics'],
  errorResponse: (status, message) => ({ status, body: errorBody(message) }),
  async handle(r: EngineRequest) {
    const delay = r.fault?.mode === 'slow-health' ? (r.fault.delayMs ?? 5000) : 0;
    if (r.method === 'GET' && (r.path === '/v2/health/ready' || r.path === '/v2/health/live')) {
      await sleep(delay);
      const notReady = r.path === '/v2/health/ready' && r.fault?.mode === 'loading';
      sendText(r.res, notReady ? 400 : 200, '');
      return true;
    }
    if (r.method === 'GET' && r.path === '/metrics') {
      await sleep(delay);
      const active = r.origin.inFlight;
      sendText(
        r.res,
        200,
        [
          '# TYPE nv_trt_llm_request_metrics gauge',
          `nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="active",version="1"} ${active}`,
          `nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="scheduled",version="1"} ${active}`,
          'nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 0',
          'nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="max",version="1"} 64',
          '# TYPE nv_trt_llm_kv_cache_block_metrics gauge',
          `nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="tensorrt_llm",version="1"} ${Math.min(1, active / 64).toFixed(3)}`,
          'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="tensorrt_llm",version="1"} 4096',
          '',
        ].join('\n'),
        'text/plain; charset=utf-8',
      );
      return true;
    }
    const match = r.method === 'POST' ? ROUTE.exec(r.path) : null;
    if (!match) return false;
    const model = decodeURIComponent(match[1]!);
    if (!MODELS.has(model)) {
      sendJson(r.res, 400, errorBody(`Request for unknown model: '${model}' is not found`));
      return true;
    }
    if (await preFaults(this, r)) return true;
    const body = r.body as { text_input?: unknown; max_tokens?: unknown; random_seed?: unknown } | undefined;
    if (typeof body?.text_input !== 'string') {
      sendJson(r.res, 400, errorBody("input 'text_input' is required"));
      return true;
    }
    if (typeof body.max_tokens !== 'number') {
      sendJson(
        r.res,
        400,
        errorBody("expected 1 inputs but got 0 inputs for model 'ensemble': missing 'max_tokens'"),
      );
      return true;
    }
    const prompt = body.text_input;
    const seed = typeof body.random_seed === 'number' ? body.random_seed : undefined;
    const gen = plan(r, prompt, body.max_tokens, seed);
    const stop = gen.finishReason === 'stop' ? endToken(prompt) : '';
    if (match[2] === 'generate') {
      const text = prompt + gen.tokens.join('') + stop;
      sendJson(r.res, 200, response(model, text, gen.tokens.length + (stop ? 1 : 0)));
      return true;
    }
    await streamTokens(r, gen, tritonFrames(model, gen, stop));
    return true;
  },
};

function tritonFrames(model: string, gen: Generation, stop: string) {
  const event = (text: string, i: number) => `data: ${JSON.stringify(response(model, text, i + 1))}\n\n`;
  return {
    contentType: 'text/event-stream; charset=utf-8',
    token: (token: string, i: number) => event(token, i),
    // The end token is its own last response; then the body simply ends.
    tail: () => (stop ? event(stop, gen.tokens.length) : ''),
    malformed: () => 'data: {"context_logits":0.0,"text_output":"tru\n\n',
  };
}
