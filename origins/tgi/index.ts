import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletion } from '../../schemas/openai/chat.ts';
import { checkedChat } from '../chat-fields.ts';
import { mapOriginError } from '../errors.ts';
import { readGauges } from '../metrics/prometheus.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { rememberStops, withoutMatchedStop } from '../templates/stop-trim.ts';
import { refuseCompletionExtras, refuseCompletionPenalties } from '../templates/text-completion.ts';
import { unsignedSeed } from '../templates/unsigned-seed.ts';
import { withCallIds } from '../tool-call-deltas.ts';
import type { CallContext, EngineAdapter, HealthProbe, MetricsProbe } from '../types.ts';
import { TOO_LONG, tgiFinish } from './errors.ts';
import { decodeTgiChat, tgiCompletions } from './generate.ts';
import { tgiGenerateStreamDecoder } from './generate-stream.ts';
import { buildTgiMessagesChat } from './messages-request.ts';
import { tgiMessagesStreamDecoder } from './messages-stream.ts';
import { buildTgiChat, TGI, usableTopP } from './request.ts';

const QUEUE = 'tgi_queue_size';
const BATCH = 'tgi_batch_current_size';

/** `/health`: 200 (empty) when ready; 503 `{"error":"unhealthy",…}` otherwise. */
const health: HealthProbe = {
  request: () => ({ method: 'GET', path: '/health', headers: {} }),
  interpret(status, body) {
    if (status === 200) return 'ready';
    return status === 503 && /loading|warm/i.test(body) ? 'loading' : 'down';
  },
};

/** Router-level Prometheus gauges: queued requests and the running batch. TGI exposes no KV usage. */
const metrics: MetricsProbe = {
  request: () => ({ method: 'GET', path: '/metrics', headers: {} }),
  parse(body) {
    const g = readGauges(body, [QUEUE, BATCH]);
    return {
      ...(g.has(BATCH) ? { running: g.get(BATCH) } : {}),
      ...(g.has(QUEUE) ? { waiting: g.get(QUEUE) } : {}),
    };
  },
};

function mapError(status: number, body: string, headers: Headers): EcoError {
  const error = mapOriginError(TGI, status, body, headers);
  if (error.status !== 400 || !TOO_LONG.test(body)) return error;
  return new EcoError(400, 'context_length_exceeded', error.message);
}

/** TGI's native API: `/generate` and `/generate_stream`, chat rendered through the pool's template. */
export const tgiAdapter: EngineAdapter = {
  protocol: 'tgi',
  engine: TGI,
  streamFraming: 'native',
  reportsStreamUsage: true,
  buildChat: checkedChat('tgi', TGI, buildTgiChat),
  decodeChat: decodeTgiChat,
  chatStream: (ctx) => tgiGenerateStreamDecoder(TGI, ctx),
  mapError,
  health,
  metrics,
  completions: tgiCompletions,
};

const FINISH_FIELD = /"finish_reason":\s*"(eos_token|stop_sequence)"/;

function decodeMessagesChat(body: string, ctx: CallContext): ChatCompletion {
  const out = decodeOpenAiChat(TGI, body, ctx);
  if (out.id === '') out.id = `chatcmpl-${ctx.requestId}`;
  const choice = out.choices[0];
  const raw = FINISH_FIELD.exec(body);
  if (choice && choice.finish_reason === null && raw) choice.finish_reason = tgiFinish(raw[1]) ?? null;
  if (choice?.message.content && raw?.[1] === 'stop_sequence') {
    choice.message.content = withoutMatchedStop(choice.message.content, ctx);
  }
  // TGI reports `eos_token` after a tool call; OpenAI clients look for `tool_calls` (as in its stream).
  if (choice?.message.tool_calls && choice.finish_reason !== 'length') choice.finish_reason = 'tool_calls';
  // Every call's id is `"0"`: a client that answers two calls could not tell their results apart.
  if (choice?.message.tool_calls) choice.message.tool_calls = withCallIds(choice.message.tool_calls);
  return out;
}

/** TGI's Messages API (`/v1/chat/completions`): OpenAI-like, normalized where TGI differs. */
export const tgiMessagesAdapter: EngineAdapter = {
  protocol: 'tgi-messages',
  engine: TGI,
  streamFraming: 'native',
  reportsStreamUsage: true,
  buildChat: checkedChat('tgi-messages', TGI, buildTgiMessagesChat),
  decodeChat: decodeMessagesChat,
  chatStream: (ctx) => tgiMessagesStreamDecoder(TGI, ctx),
  mapError,
  health,
  metrics,
  completions: normalizedCompletions(),
};

/**
 * `/v1/completions` in TGI's terms: its `CompletionRequest` takes `stop` as a list only, an unsigned
 * `seed` and a top_p strictly inside (0, 1), and has no `echo`, `logprobs` or `presence_penalty` (serde
 * would drop them unread) nor a usable `suffix` (a 422). The answer's raw finish names (`eos_token`,
 * `stop_sequence`) are mapped.
 */
function normalizedCompletions() {
  const base = openAiExchange(TGI, '/v1/completions', false);
  return {
    build(req: Record<string, unknown>, ctx: CallContext) {
      refuseCompletionExtras(req, TGI);
      refuseCompletionPenalties(req, TGI, ['presence_penalty']);
      rememberStops(ctx, req.stop);
      const { echo: _e, logprobs: _l, suffix: _s, presence_penalty: _p, ...body } = req;
      if (typeof body.stop === 'string') body.stop = [body.stop];
      if (typeof body.seed === 'number') body.seed = unsignedSeed(body.seed);
      if (!usableTopP(req as { temperature?: number; top_p?: number })) delete body.top_p;
      return base.build(body, ctx);
    },
    decode(body: string, ctx: CallContext) {
      const out = base.decode(body, ctx);
      const choices = out.choices;
      if (!Array.isArray(choices)) throw new EcoError(502, 'origin_malformed_response', `${TGI}: no choices`);
      for (const c of choices as { finish_reason?: unknown; text?: unknown }[]) {
        if (!c || typeof c !== 'object') continue;
        if (c.finish_reason === 'stop_sequence' && typeof c.text === 'string')
          c.text = withoutMatchedStop(c.text, ctx);
        if (c.finish_reason != null) c.finish_reason = tgiFinish(c.finish_reason) ?? c.finish_reason;
      }
      if (out.id === '') out.id = `cmpl-${ctx.requestId}`;
      return out;
    },
  };
}
