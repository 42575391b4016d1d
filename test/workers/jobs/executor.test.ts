import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { JobRow } from '../../../durable-objects/job-queue/job-store.ts';
import { MAX_RESULT_BYTES, selfExecutor } from '../../../durable-objects/job-queue/self-executor.ts';
import type { Env } from '../../../workers/env.ts';

const row = {
  id: 'job_exec',
  key_id: 'key_exec',
  type: 'chat',
  priority: 'normal',
  attempts: 1,
  request: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
} as unknown as JobRow;

/** A gateway that answers `body` (a stream when `chunked`, so no content-length is declared). */
function gateway(body: string, status = 200, chunked = false) {
  const bytes = new TextEncoder().encode(body);
  const payload = chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.slice(i, i + 65_536));
          controller.close();
        },
      })
    : bytes;
  const fetcher = {
    fetch: async () => new Response(payload, { status, headers: { 'content-type': 'application/json' } }),
  } as unknown as Fetcher;
  return selfExecutor(env as unknown as Env, () => fetcher);
}

const answer = (content: string) =>
  JSON.stringify({
    object: 'chat.completion',
    choices: [{ message: { content } }],
    usage: { total_tokens: 2 },
  });

describe('selfExecutor result size', () => {
  it('keeps an answer within the limit', async () => {
    const outcome = await gateway(answer('ok'))(row, new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'succeeded', usage: { total_tokens: 2 } });
  });

  it.each([false, true])(
    'fails an answer over the limit for good instead of storing it (streamed: %s)',
    async (chunked) => {
      const huge = answer('x'.repeat(MAX_RESULT_BYTES));
      const outcome = await gateway(huge, 200, chunked)(row, new AbortController().signal);
      expect(outcome).toMatchObject({
        kind: 'failed',
        retryable: false,
        error: { code: 'result_too_large', type: 'invalid_request_error' },
      });
    },
  );

  it('an oversized error answer keeps its status and retryability', async () => {
    const outcome = await gateway('x'.repeat(MAX_RESULT_BYTES + 1), 503)(row, new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, error: { status: 503 } });
  });
});
