import type { CallContext, OriginRequest } from '../../origins/types.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletionRequest, Usage } from '../../schemas/openai/chat.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import type { RouteTarget } from './route-plan.ts';

/**
 * One public endpoint (chat, text completion, embeddings) as seen by dispatch: how to build the
 * engine request, decode its answer and its stream. Dispatch itself is the same for all of them.
 */
export interface Endpoint {
  name: 'chat' | 'completion' | 'embedding';
  build(target: RouteTarget, call: CallContext): OriginRequest;
  decode(target: RouteTarget, body: string, call: CallContext): { usage?: Usage };
  stream(target: RouteTarget, call: CallContext): StreamDecoder;
  chunkObject: 'chat.completion.chunk' | 'text_completion';
  idPrefix: string;
  /** The generated text of a decoded answer, for usage estimates. */
  outputText(result: { usage?: Usage }): string;
  /** Whether a pool's engine serves this endpoint; pools that don't are left out of the route plan. */
  supportedBy?(target: RouteTarget): boolean;
}

export function chatEndpoint(body: ChatCompletionRequest): Endpoint {
  return {
    name: 'chat',
    build: (target, call) => target.adapter.buildChat(body, call),
    decode: (target, text, call) => target.adapter.decodeChat(text, call),
    stream: (target, call) => target.adapter.chatStream(call),
    chunkObject: 'chat.completion.chunk',
    idPrefix: 'chatcmpl-',
    outputText: (result) =>
      (result as { choices?: { message?: { content?: string | null } }[] }).choices?.[0]?.message?.content ??
      '',
  };
}

/** `/v1/completions` or `/v1/embeddings` through the adapter's exchange for it. */
export function exchangeEndpoint(name: 'completion' | 'embedding', body: Record<string, unknown>): Endpoint {
  const exchangeOf = (target: RouteTarget) => {
    const exchange = name === 'completion' ? target.adapter.completions : target.adapter.embeddings;
    if (!exchange) throw unsupported(name, target.adapter.engine);
    return exchange;
  };
  return {
    name,
    build: (target, call) => {
      const exchange = exchangeOf(target);
      // Refused before the origin is asked: it would generate an answer the gateway cannot relay.
      if (call.stream && !exchange.stream) throw unsupported(`streamed ${name}s`, target.adapter.engine);
      return exchange.build(body, call);
    },
    decode: (target, text, call) => exchangeOf(target).decode(text, call) as { usage?: Usage },
    stream: (target, call) => {
      const exchange = exchangeOf(target);
      if (!exchange.stream) throw unsupported(`streamed ${name}s`, target.adapter.engine);
      return exchange.stream(call);
    },
    chunkObject: 'text_completion',
    idPrefix: 'cmpl-',
    outputText: (result) => (result as { choices?: { text?: string }[] }).choices?.[0]?.text ?? '',
    supportedBy: (target) =>
      name === 'completion'
        ? target.adapter.completions !== undefined
        : target.adapter.embeddings !== undefined,
  };
}

export function unsupported(what: string, engine: string): EcoError {
  return new EcoError(400, 'unsupported_by_engine', `${engine} does not support ${what}.`, {
    param: 'model',
  });
}
