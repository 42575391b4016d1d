import type { OpenAPIHono } from '@hono/zod-openapi';
import { ChatCompletion, ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import type { AppEnv } from '../app-env.ts';
import { inferenceErrors } from '../http/openapi-errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { runChat } from '../pipeline/chat.ts';

export function registerChatRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/chat/completions',
    summary: 'Create a chat completion (OpenAI-compatible; SSE when `stream` is true)',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: ChatCompletionRequest } }, required: true } },
    responses: {
      200: {
        description:
          'A completion, or an SSE stream of `chat.completion.chunk` events ending in `data: [DONE]`',
        content: {
          'application/json': { schema: ChatCompletion },
          'text/event-stream': { schema: { type: 'string' } },
        },
      },
      ...inferenceErrors,
    },
  });

  app.post('/v1/chat/completions', requireScope('inference'), runChat);
}
