import { EcoError } from '../../schemas/errors.ts';
import { checkedChat } from '../chat-fields.ts';
import { mapOriginError, readErrorBody } from '../errors.ts';
import type { EngineAdapter } from '../types.ts';
import { decodeOllamaChat } from './decode.ts';
import { ollamaCompletions, ollamaEmbeddings } from './exchanges.ts';
import { inputTooLong } from './input-too-long.ts';
import { ollamaStreamDecoder } from './ndjson-stream.ts';
import { ollamaPull } from './pull.ts';
import { buildOllamaChat, OLLAMA } from './request.ts';

/** `model "x" not found, try pulling it first` (scheduler) or `model 'x' not found`. */
const MISSING = /model ['"].*['"] not found/i;

/** `"x" does not support thinking`: the model has no `think`, which reasoning_effort asked for. */
const NO_THINKING = /does not support thinking/i;

function mapOllamaError(status: number, body: string, headers: Headers): EcoError {
  const tooLong = inputTooLong(readErrorBody(body).message);
  if (tooLong) return tooLong;
  const error = mapOriginError(OLLAMA, status, body, headers);
  if (status !== 400 || !NO_THINKING.test(readErrorBody(body).message)) return error;
  return new EcoError(400, 'unsupported_parameter', error.message, { param: 'reasoning_effort' });
}

/** Ollama's native API: `/api/chat` (NDJSON), `/api/generate`, `/api/embed`, pull on demand. */
export const ollamaAdapter: EngineAdapter = {
  protocol: 'ollama',
  engine: OLLAMA,
  streamFraming: 'native',
  reportsStreamUsage: true,
  buildChat: checkedChat('ollama', OLLAMA, buildOllamaChat),
  decodeChat: decodeOllamaChat,
  chatStream: (ctx) => ollamaStreamDecoder(ctx, 'chat'),
  mapError: mapOllamaError,
  health: {
    // Ollama answers as soon as it listens (models load lazily), so this is liveness.
    request: () => ({ method: 'GET', path: '/', headers: {} }),
    interpret(status, body) {
      if (status === 200 && body.includes('Ollama is running')) return 'ready';
      return status === 503 ? 'loading' : 'down';
    },
  },
  metrics: {
    // No Prometheus endpoint: /api/ps lists loaded models but no queue or batch figures, so the pool
    // relies on its own in-flight counts. A body that is not the /api/ps shape reports nothing.
    request: () => ({ method: 'GET', path: '/api/ps', headers: {} }),
    parse: () => ({}),
  },
  completions: ollamaCompletions,
  embeddings: ollamaEmbeddings,
  missingModel: (status, body) => status === 404 && MISSING.test(readErrorBody(body).message),
  pull: ollamaPull,
};
