import type { ErrorInfo } from './errors.ts';
import type { FinishReason, Usage } from './openai/chat.ts';

/**
 * What an engine's stream decoder yields. Native framings become `delta`/`finish`/`usage` events that the
 * gateway encodes as OpenAI chunks; OpenAI-framed engines yield `chunk` events, the engine's own JSON
 * passed through after a light scan.
 */
export type StreamEvent =
  | {
      kind: 'delta';
      content?: string;
      reasoning?: string;
      toolCalls?: unknown[];
      /** OpenAI `logprobs.content` items for the tokens of this delta, when the client asked for them. */
      logprobs?: unknown[];
      /** Set on the engine's role announcement, which carries no content. */
      role?: 'assistant';
    }
  | { kind: 'finish'; reason: FinishReason }
  | { kind: 'usage'; usage: Usage }
  | {
      kind: 'chunk';
      /** The chunk's JSON text, exactly as the engine sent it. */
      json: string;
      /** The chunk carries content, a tool call or a finish reason (the client has seen output once sent). */
      hasOutput: boolean;
      /** The chunk is the final usage-only chunk. */
      usage?: Usage;
      finish?: FinishReason;
    }
  | { kind: 'error'; error: ErrorInfo }
  /** The engine's terminal marker (`[DONE]`, `done: true`, …) or, for engines without one, a clean end of body. */
  | { kind: 'end' };

export interface StreamDecoder {
  /** Feed raw bytes; returns the events completed by them. */
  push(bytes: Uint8Array): StreamEvent[];
  /** End of body. Returns trailing events; an engine with a terminal marker that never came yields an error. */
  end(): StreamEvent[];
  /**
   * Fast path of OpenAI-framed decoders: when nothing is pending and `bytes` are exactly one plain
   * content event (see `isPlainContentEvent`), that event's SSE text, to be relayed with only its
   * `model` replaced; otherwise undefined and the bytes must go through `push`.
   */
  plainContent?(bytes: Uint8Array): string | undefined;
}
