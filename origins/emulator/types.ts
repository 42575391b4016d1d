import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from './faults.ts';

export interface EmulatorSettings {
  /** Tokens per second while streaming; 0 means as fast as possible. */
  tokensPerSecond: number;
  /** Time to first token. */
  ttftMs: number;
  /** Completion length when the request sets none. */
  defaultMaxTokens: number;
  /** Length of a natural answer (ending in `stop`); a smaller max_tokens cuts it with `length`. */
  answerTokens: number;
}

export interface OriginState {
  id: string;
  engine: string;
  port: number;
  url: string;
  inFlight: number;
  served: number;
  /** Models present on the origin (Ollama pulls add to it). Empty: every model is present. */
  models: Set<string>;
  /** Model pulls this origin served (Ollama `/api/pull`). */
  pulls?: number;
}

export interface EngineRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
  /** Parsed JSON body, or undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  origin: OriginState;
  settings: EmulatorSettings;
  /** The fault picked for this request, if any (already consumed). */
  fault: Fault | undefined;
}

/** One emulated engine protocol: the routes it serves and its error shape. */
export interface EmulatedEngine {
  /** The pool protocol name this engine answers for. */
  readonly protocol: string;
  /** Paths that are health/readiness/metrics probes (affected by slow-health and loading faults). */
  readonly probePaths: readonly string[];
  /** Handle a request; return false when the route does not exist (the server answers 404). */
  handle(request: EngineRequest): Promise<boolean>;
  /** The engine's own error body and status for an injected `status` or `loading` fault. */
  errorResponse(status: number, message: string): { status: number; body: string; contentType?: string };
}
