import type { Context } from 'hono';
import { ChatCompletionRequest, requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { AppEnv } from '../app-env.ts';
import {
  type ChatDispatch,
  dispatchChatJson,
  dispatchChatStream,
  type FinishRecord,
} from '../dispatch/chat-dispatch.ts';
import { numberVar } from '../env.ts';
import { readJsonBody } from '../http/json-body.ts';
import { validationError } from '../http/validation.ts';
import { type LimitTicket, reserveLimits } from '../limits/limits.ts';
import { recordUsage } from '../usage/record-usage.ts';
import { resolvePriority } from './priority.ts';
import { resolveModel } from './resolve-model.ts';
import { estimatePromptTokens } from './token-estimate.ts';

/** Completion budget reserved against token limits when the request sets no max_tokens. */
const DEFAULT_COMPLETION_BUDGET = 1024;

/** POST /v1/chat/completions, from parsed body to response: one path for API, jobs and IM callers. */
export async function runChat(c: Context<AppEnv>): Promise<Response> {
  const raw = await readJsonBody(c.req.raw, numberVar(c.env.ECO_MAX_BODY_BYTES, 1_048_576));
  const parsed = ChatCompletionRequest.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  const body = parsed.data;
  const principal = c.get('principal');
  const requestId = c.get('requestId');

  const { model, plan } = await resolveModel(
    c.env,
    principal,
    body.model,
    c.req.header('x-eco-pool'),
    'chat',
  );
  const priority = resolvePriority(principal, c.req.header('x-eco-priority'));
  const promptEstimate = estimatePromptTokens(body.messages);
  const reserveTokens = promptEstimate + (requestedMaxTokens(body) ?? DEFAULT_COMPLETION_BUDGET);

  // Per-key limits run in parallel with the pool admission; the origin request waits for both.
  let ticket: LimitTicket | undefined;
  const limits = reserveLimits(c.env, { principal, requestId, reserveTokens }).then((t) => {
    ticket = t;
  });
  limits.catch(() => {});

  const finish = (record: FinishRecord) => {
    c.executionCtx.waitUntil(
      Promise.allSettled([
        ticket?.settle(record.status < 400 ? record.usage : undefined),
        recordUsage(c.env.DB, {
          requestId,
          keyId: principal.keyId,
          tenant: principal.tenant,
          model: model.id,
          pool: record.pool ?? null,
          origin: record.origin ?? null,
          promptTokens: record.usage?.prompt_tokens ?? 0,
          completionTokens: record.usage?.completion_tokens ?? 0,
          estimated: record.usage?.eco_estimated === true,
          status: record.status,
          latencyMs: record.latencyMs,
          ttftMs: record.ttftMs ?? null,
          streamed: record.streamed,
        }),
      ]),
    );
  };

  const traceparent = c.req.header('traceparent');
  const dispatch: ChatDispatch = {
    env: c.env,
    requestId,
    tenant: principal.tenant,
    priority,
    clientSignal: c.req.raw.signal,
    timing: c.get('timing'),
    gate: limits,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    body,
    clientModel: body.model,
    plan,
    holdMs: numberVar(c.env.ECO_STREAM_HOLD_MS, 5000),
    promptEstimate,
    headers: () => ({ 'x-request-id': requestId, ...(ticket?.headers ?? {}) }),
    onFinish: finish,
    ...(traceparent ? { traceparent } : {}),
  };
  return body.stream === true ? dispatchChatStream(dispatch) : dispatchChatJson(dispatch);
}
