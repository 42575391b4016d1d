import type { PoolConfig } from '../schemas/config.ts';
import type { EcoError } from '../schemas/errors.ts';
import type { ChatCompletion, ChatCompletionRequest } from '../schemas/openai/chat.ts';
import type { StreamDecoder } from '../schemas/stream-events.ts';

/**
 * An engine adapter is a pure translator between the gateway's OpenAI-shaped requests and one engine's
 * native protocol: it builds requests and decodes responses, and never performs I/O itself.
 */

export interface OriginRequest {
  method: 'GET' | 'POST';
  /** Path and query, appended to the origin's base URL. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface CallContext {
  /** The model name the engine knows. */
  engineModel: string;
  /** The model id the client asked for; responses carry it back. */
  clientModel: string;
  stream: boolean;
  /** The client asked for a usage chunk (`stream_options.include_usage`). */
  includeUsage: boolean;
  pool: PoolConfig;
  requestId: string;
  /** Unix seconds, for `created` in responses the gateway builds itself. */
  created: number;
}

export type HealthState = 'ready' | 'loading' | 'down';

export interface LoadMetrics {
  running?: number;
  waiting?: number;
  /** KV-cache (or token pool) utilisation, 0..1. */
  kvCacheUsage?: number;
}

export interface HealthProbe {
  request(pool: PoolConfig): OriginRequest;
  interpret(status: number, body: string): HealthState;
}

export interface MetricsProbe {
  request(pool: PoolConfig): OriginRequest;
  parse(body: string): LoadMetrics;
}

/** One request/response exchange for an OpenAI-shaped endpoint other than chat. */
export interface Exchange<Req, Res> {
  build(req: Req, ctx: CallContext): OriginRequest;
  decode(body: string, ctx: CallContext): Res;
  /** Present when the endpoint streams. */
  stream?(ctx: CallContext): StreamDecoder;
}

/** One line of a model pull's progress, read into plain fields. `status: 'success'` ends a pull that worked. */
export interface PullProgress {
  status?: string;
  digest?: string;
  completed?: number;
  total?: number;
  /** The pull failed (possibly after its 200 response started). */
  error?: string;
}

/** Fetching a model the engine does not have yet (Ollama's `/api/pull`). */
export interface ModelPull {
  build(model: string, pool: PoolConfig): OriginRequest;
  progress(): { push(bytes: Uint8Array): PullProgress[]; end(): PullProgress[] };
}

export interface EngineAdapter {
  readonly protocol: PoolConfig['protocol'];
  /** Human name of the engine, used in error messages. */
  readonly engine: string;
  /**
   * `openai`: the engine's stream is OpenAI chunks, relayed as bytes after a light scan.
   * `native`: decoded to events and encoded as OpenAI chunks by the gateway.
   */
  readonly streamFraming: 'openai' | 'native';
  /** The engine reports token usage on streams; otherwise the gateway estimates and says so. */
  readonly reportsStreamUsage: boolean;
  buildChat(req: ChatCompletionRequest, ctx: CallContext): OriginRequest;
  decodeChat(body: string, ctx: CallContext): ChatCompletion;
  chatStream(ctx: CallContext): StreamDecoder;
  /** Map a non-2xx origin response to the platform error. */
  mapError(status: number, body: string, headers: Headers): EcoError;
  readonly health: HealthProbe;
  readonly metrics?: MetricsProbe;
  readonly completions?: Exchange<Record<string, unknown>, Record<string, unknown>>;
  readonly embeddings?: Exchange<Record<string, unknown>, Record<string, unknown>>;
  /** The origin's error says the model is not present there (it can be pulled with `pull`). */
  readonly missingModel?: (status: number, body: string) => boolean;
  readonly pull?: ModelPull;
}
