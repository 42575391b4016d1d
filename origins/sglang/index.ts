import { EcoError, toErrorInfo } from '../../schemas/errors.ts';
import type { StreamDecoder, StreamEvent } from '../../schemas/stream-events.ts';
import { checkedChat } from '../chat-fields.ts';
import { mapOriginError } from '../errors.ts';
import { readGauges } from '../metrics/prometheus.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { buildOpenAiChat } from '../openai-compatible/request.ts';
import { withStableIds, withStableStreamIds } from '../openai-compatible/stable-ids.ts';
import { openAiStreamDecoder } from '../openai-compatible/stream.ts';
import type { EngineAdapter, HealthProbe, MetricsProbe } from '../types.ts';
import { decodeSglangChat, incrementalOption, sglangCompletions } from './generate.ts';
import { sglangGenerateStreamDecoder } from './generate-stream.ts';
import { buildSglangChat, SGLANG } from './request.ts';

const RUNNING = 'sglang:num_running_reqs';
const QUEUED = 'sglang:num_queue_reqs';
const TOKEN_USAGE = 'sglang:token_usage';

/**
 * `/health`: 200 when serving; 503 while the server warms up after loading (weights load before it
 * listens, so a refused connection is the other "not yet" signal) or when it found itself unhealthy.
 */
const health: HealthProbe = {
  request: () => ({ method: 'GET', path: '/health', headers: {} }),
  interpret: (status) => (status === 200 ? 'ready' : status === 503 ? 'loading' : 'down'),
};

/** Prometheus gauges, present when the server runs with `--enable-metrics`. */
const metrics: MetricsProbe = {
  request: () => ({ method: 'GET', path: '/metrics', headers: {} }),
  parse(body) {
    const g = readGauges(body, [RUNNING, QUEUED, TOKEN_USAGE]);
    return {
      ...(g.has(RUNNING) ? { running: g.get(RUNNING) } : {}),
      ...(g.has(QUEUED) ? { waiting: g.get(QUEUED) } : {}),
      ...(g.has(TOKEN_USAGE) ? { kvCacheUsage: g.get(TOKEN_USAGE) } : {}),
    };
  },
};

const mapError = (status: number, body: string, headers: Headers) =>
  mapOriginError(SGLANG, status, body, headers);

/** SGLang's native `/generate`: chat through the pool's template, cumulative stream text diffed. */
export const sglangAdapter: EngineAdapter = {
  protocol: 'sglang',
  engine: SGLANG,
  streamFraming: 'native',
  reportsStreamUsage: true,
  buildChat: checkedChat('sglang', SGLANG, buildSglangChat),
  decodeChat: decodeSglangChat,
  chatStream: (ctx) => sglangGenerateStreamDecoder(ctx, incrementalOption(ctx)),
  mapError,
  health,
  metrics,
  completions: sglangCompletions,
  // The same server answers the OpenAI embeddings route (with an embedding model loaded).
  embeddings: openAiExchange(SGLANG, '/v1/embeddings', false),
};

/**
 * SGLang's OpenAI server: chunks are relayed; an `abort` finish is turned into the failure it is. Its
 * chat chunks each carry the second they were made in: the stream keeps one `created` (withStableIds).
 */
function sglangOpenAiStream(): StreamDecoder {
  return withStableIds(abortChecked());
}

function abortChecked(): StreamDecoder {
  const inner = openAiStreamDecoder({ engine: SGLANG, terminator: true });
  let failed = false;
  const check = (events: StreamEvent[]): StreamEvent[] => {
    if (failed) return [];
    const abort = events.findIndex((e) => e.kind === 'chunk' && (e.finish as string | undefined) === 'abort');
    if (abort === -1) return events;
    failed = true;
    const err = new EcoError(502, 'origin_error', `${SGLANG}: the generation was aborted`);
    return [...events.slice(0, abort), { kind: 'error', error: toErrorInfo(err) }];
  };
  return {
    push: (bytes) => check(inner.push(bytes)),
    end: () => check(inner.end()),
    // A plain content event carries no finish reason, so it can never be the abort.
    ...(inner.plainContent && { plainContent: inner.plainContent }),
  };
}

export const sglangOpenAiAdapter: EngineAdapter = {
  protocol: 'sglang-openai',
  engine: SGLANG,
  streamFraming: 'openai',
  reportsStreamUsage: true,
  buildChat: checkedChat('sglang-openai', SGLANG, buildOpenAiChat),
  decodeChat: (body, ctx) => decodeOpenAiChat(SGLANG, body, ctx),
  chatStream: sglangOpenAiStream,
  mapError,
  health,
  metrics,
  // One id per choice when `n` > 1, so its streams get the same treatment.
  completions: withStableStreamIds(openAiExchange(SGLANG, '/v1/completions', true)),
  embeddings: openAiExchange(SGLANG, '/v1/embeddings', false),
};
