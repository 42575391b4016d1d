import { EcoError } from '../../schemas/errors.ts';
import type { CallContext, Exchange, OriginRequest } from '../types.ts';
import { openAiStreamDecoder } from './stream.ts';

/** `/v1/completions` and `/v1/embeddings` for engines that serve them OpenAI-style. */
export function openAiExchange(
  engine: string,
  path: string,
  streams: boolean,
): Exchange<Record<string, unknown>, Record<string, unknown>> {
  const exchange: Exchange<Record<string, unknown>, Record<string, unknown>> = {
    build(req, ctx): OriginRequest {
      const body: Record<string, unknown> = { ...req, model: ctx.engineModel };
      if (ctx.stream) body.stream_options = { include_usage: true };
      return {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      };
    },
    decode(body, ctx: CallContext) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new EcoError(502, 'origin_malformed_response', `${engine}: the response is not JSON`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new EcoError(502, 'origin_malformed_response', `${engine}: the response is not an object`);
      }
      return { ...(parsed as Record<string, unknown>), model: ctx.clientModel };
    },
  };
  if (streams) exchange.stream = () => openAiStreamDecoder({ engine, terminator: true });
  return exchange;
}
