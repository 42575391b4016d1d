import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  CompletionRequest,
  EmbeddingList,
  EmbeddingRequest,
  TextCompletion,
} from '../../schemas/openai/completions.ts';
import type { AppEnv } from '../app-env.ts';
import { inferenceErrors } from '../http/openapi-errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { runCompletion, runEmbedding } from '../pipeline/completions.ts';

export function registerCompletionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/completions',
    summary: 'Create a text completion (OpenAI-compatible legacy endpoint)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: CompletionRequest } }, required: true } },
    responses: {
      200: {
        description: 'A `text_completion`, or an SSE stream of them ending in `data: [DONE]`',
        content: {
          'application/json': { schema: TextCompletion },
          'text/event-stream': { schema: { type: 'string' } },
        },
      },
      ...inferenceErrors,
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/embeddings',
    summary: 'Create embeddings (OpenAI-compatible)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: EmbeddingRequest } }, required: true } },
    responses: {
      200: {
        description: 'A list of embeddings',
        content: { 'application/json': { schema: EmbeddingList } },
      },
      ...inferenceErrors,
    },
  });
  app.post('/v1/completions', requireScope('inference'), runCompletion);
  app.post('/v1/embeddings', requireScope('inference'), runEmbedding);
}
