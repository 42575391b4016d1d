import type { OpenAPIHono } from '@hono/zod-openapi';
import { CompletionRequest, EmbeddingRequest } from '../../schemas/openai/completions.ts';
import { ErrorResponse } from '../../schemas/openai/error.ts';
import type { AppEnv } from '../app-env.ts';
import { requireScope } from '../middleware/auth.ts';
import { runCompletion, runEmbedding } from '../pipeline/completions.ts';

const errors = {
  400: {
    description: 'Invalid request, or the engine does not support this endpoint',
    content: { 'application/json': { schema: ErrorResponse } },
  },
  401: {
    description: 'Missing or invalid credential',
    content: { 'application/json': { schema: ErrorResponse } },
  },
  404: { description: 'Unknown model', content: { 'application/json': { schema: ErrorResponse } } },
  503: { description: 'No origin available', content: { 'application/json': { schema: ErrorResponse } } },
};

export function registerCompletionRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/completions',
    summary: 'Create a text completion (OpenAI-compatible legacy endpoint)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: CompletionRequest } }, required: true } },
    responses: { 200: { description: 'A `text_completion`, or SSE chunks when streaming' }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/embeddings',
    summary: 'Create embeddings (OpenAI-compatible)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: EmbeddingRequest } }, required: true } },
    responses: { 200: { description: 'A list of embeddings' }, ...errors },
  });
  app.post('/v1/completions', requireScope('inference'), runCompletion);
  app.post('/v1/embeddings', requireScope('inference'), runEmbedding);
}
