import { EcoError } from '../../schemas/errors.ts';
import { checkedChat } from '../chat-fields.ts';
import { parseAnswer } from '../error-answer.ts';
import { derivedFinish, estimatedUsage, promptCall, textCompletion } from '../templates/prompt-call.ts';
import { cutMatchedStop } from '../templates/stop-trim.ts';
import {
  completionPrompt,
  refuseCompletionExtras,
  textCompletionObject,
} from '../templates/text-completion.ts';
import type { CallContext, EngineAdapter, Exchange, LoadMetrics } from '../types.ts';
import { mapTritonError } from './triton-errors.ts';
import {
  buildTritonGenerate,
  stripsEcho,
  TRITON_ENGINE,
  type TritonSampling,
  tritonGenerateRequest,
} from './triton-request.ts';
import { tritonStreamDecoder } from './triton-stream.ts';
import { stripEcho, stripEndMarker } from './triton-text.ts';

/**
 * Non-stream `generate`: `text_output` only. Usage is estimated (flagged); when the model returns
 * per-token log-probs their count is the completion length. The finish reason is derived: `stop` when
 * the text ends with an end-of-turn marker or an asked-for stop word (both cut), else from the budget.
 */
function readTritonGenerate(body: string, ctx: CallContext) {
  const parsed = parseAnswer<{ text_output?: unknown; output_log_probs?: unknown }>(TRITON_ENGINE, body);
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.text_output !== 'string') {
    throw new EcoError(502, 'origin_malformed_response', `${TRITON_ENGINE}: the response has no text_output`);
  }
  const call = promptCall(ctx);
  let text = parsed.text_output;
  if (call && stripsEcho(ctx.pool)) text = stripEcho(text, call.prompt);
  const marker = stripEndMarker(text);
  // No end-of-turn marker: the text may end with the stop word that ended the generation.
  const stop = marker.ended ? { text: marker.text, cut: false } : cutMatchedStop(marker.text, ctx);
  const logprobs = Array.isArray(parsed.output_log_probs) ? parsed.output_log_probs.length : undefined;
  const usage = estimatedUsage(call?.prompt ?? '', marker.text, logprobs);
  const finish = marker.ended || stop.cut ? 'stop' : derivedFinish(usage.completion_tokens, call?.maxTokens);
  return { text: stop.text, finish, usage } as const;
}

export function decodeTritonGenerate(body: string, ctx: CallContext) {
  const answer = readTritonGenerate(body, ctx);
  return textCompletion(ctx, answer.text, answer.finish, answer.usage);
}

/**
 * `/v1/completions` through the same generate endpoints: the prompt goes in `text_input` as is,
 * without a chat template. Echo, finish and usage are handled as for chat.
 */
export const tritonCompletions: Exchange<Record<string, unknown>, Record<string, unknown>> = {
  build(req, ctx) {
    refuseCompletionExtras(req, TRITON_ENGINE);
    return tritonGenerateRequest(completionPrompt(req, TRITON_ENGINE), req as TritonSampling, ctx);
  },
  decode(body, ctx) {
    const answer = readTritonGenerate(body, ctx);
    return textCompletionObject(ctx, answer.text, answer.finish, answer.usage);
  },
  stream: tritonStreamDecoder,
};

/** One labelled Prometheus series, e.g. `nv_trt_llm_request_metrics{request_type="waiting"}`; summed. */
export function readLabelled(text: string, name: string, label: string, value: string): number | undefined {
  const needle = `${label}="${value}"`;
  let sum: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.indexOf('}');
    if (close === -1 || !line.slice(name.length, close).includes(needle)) continue;
    const n = Number.parseFloat(
      line
        .slice(close + 1)
        .trim()
        .split(/\s+/)[0] ?? '',
    );
    if (Number.isFinite(n)) sum = (sum ?? 0) + n;
  }
  return sum;
}

export function parseTritonMetrics(body: string): LoadMetrics {
  const running = readLabelled(body, 'nv_trt_llm_request_metrics', 'request_type', 'active');
  const waiting = readLabelled(body, 'nv_trt_llm_request_metrics', 'request_type', 'waiting');
  const kv = readLabelled(body, 'nv_trt_llm_kv_cache_block_metrics', 'kv_cache_block_type', 'fraction');
  return {
    ...(running === undefined ? {} : { running }),
    ...(waiting === undefined ? {} : { waiting }),
    ...(kv === undefined ? {} : { kvCacheUsage: kv }),
  };
}

/** Triton Inference Server's generate extension in front of a TensorRT-LLM ensemble. */
export const tritonAdapter: EngineAdapter = {
  protocol: 'triton-trtllm',
  engine: TRITON_ENGINE,
  streamFraming: 'native',
  reportsStreamUsage: false,
  buildChat: checkedChat('triton-trtllm', TRITON_ENGINE, buildTritonGenerate),
  decodeChat: decodeTritonGenerate,
  chatStream: tritonStreamDecoder,
  mapError: mapTritonError,
  health: {
    request: () => ({ method: 'GET', path: '/v2/health/ready', headers: {} }),
    // 400: the server is up but its models are still loading.
    interpret: (status) => (status === 200 ? 'ready' : status === 400 ? 'loading' : 'down'),
  },
  metrics: {
    // Triton serves metrics on its own port (8002); `options.metricsPath` points at a proxied path.
    request: (pool) => ({
      method: 'GET',
      path: typeof pool.options.metricsPath === 'string' ? pool.options.metricsPath : '/metrics',
      headers: {},
    }),
    parse: parseTritonMetrics,
  },
  completions: tritonCompletions,
};
