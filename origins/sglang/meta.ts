import { EcoError } from '../../schemas/errors.ts';
import type { FinishReason, Usage } from '../../schemas/openai/chat.ts';
import { mapOriginError } from '../errors.ts';
import { reportedUsage } from '../templates/prompt-call.ts';
import { tokenCount } from '../token-count.ts';
import { nativeUsageDetails } from '../usage-details.ts';
import { SGLANG } from './request.ts';

export interface MetaInfo {
  finish_reason?: unknown;
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  cached_tokens?: unknown;
  reasoning_tokens?: unknown;
}

/**
 * `meta_info.finish_reason` is an object: `{type:"stop",matched}`, `{type:"length",length}` or
 * `{type:"abort",message,status_code?}`. An abort is a failure (a full queue aborts with 503), never a
 * finish. Null means the generation is still running.
 */
export function sglangFinish(meta: MetaInfo | undefined): FinishReason | undefined {
  const raw = meta?.finish_reason;
  if (raw == null) return undefined;
  const reason = raw as { type?: unknown; message?: unknown; status_code?: unknown };
  const type = typeof raw === 'string' ? raw : reason.type;
  if (type === 'stop') return 'stop';
  if (type === 'length') return 'length';
  if (type === 'abort') {
    const status = typeof reason.status_code === 'number' ? reason.status_code : 502;
    const message = typeof reason.message === 'string' ? reason.message : 'the generation was aborted';
    throw status === 502
      ? new EcoError(502, 'origin_error', `${SGLANG}: ${message}`)
      : mapOriginError(SGLANG, status, JSON.stringify({ error: { message } }), new Headers());
  }
  throw new EcoError(
    502,
    'origin_malformed_response',
    `${SGLANG}: unknown finish reason ${JSON.stringify(raw)}`,
  );
}

export function sglangUsage(meta: MetaInfo | undefined): Usage | undefined {
  const prompt = tokenCount(meta?.prompt_tokens);
  const completion = tokenCount(meta?.completion_tokens);
  if (prompt === undefined || completion === undefined) return undefined;
  // Prefix-cache hits and, in recent releases, reasoning tokens (managers/scheduler_output_processor_mixin.py).
  const details = nativeUsageDetails(
    { cached: meta?.cached_tokens, reasoning: meta?.reasoning_tokens },
    prompt,
    completion,
  );
  return { ...reportedUsage(prompt, completion), ...details };
}
