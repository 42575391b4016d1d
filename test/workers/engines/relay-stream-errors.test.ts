import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../origins/registry.ts';
import { ctx, pool, replay } from './replay-b.ts';

/**
 * In-stream error events of the relayed OpenAI streams (vLLM, SGLang's and LMDeploy's OpenAI servers,
 * trtllm-serve). These engines validate some requests only once the stream has begun, so an over-long
 * prompt or a full queue arrives under HTTP 200 as `data: {"error": {…, "code": <HTTP status>}}`.
 */

const ROLE =
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n';
const CONTENT =
  'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}]}\n\n';

function errorEvent(error: Record<string, unknown>): string {
  // Python `json.dumps` spacing, as every one of these servers writes the event.
  return `data: ${JSON.stringify({ error }, null, 1).replace(/\n\s*/g, ' ')}\n\ndata: [DONE]\n\n`;
}

const RELAYED = ['vllm', 'sglang-openai', 'lmdeploy-openai', 'trtllm-serve'] as const;

// sglang serving_chat.py `_generate_chat_stream` (`except ValueError` → create_streaming_error_response).
const SGLANG_TOO_LONG = {
  object: 'error',
  message: "The input (5000 tokens) is longer than the model's context length (4096 tokens).",
  type: 'BadRequestError',
  param: null,
  code: 400,
};
// vLLM ≥0.10.1: nested body; the V1 processor's prompt check runs inside the generator.
const VLLM_TOO_LONG = {
  message:
    'The decoder prompt (length 5000) is longer than the maximum model length of 4096. Make sure that `max_model_len` is no smaller than the number of text tokens.',
  type: 'BadRequestError',
  param: null,
  code: 400,
};
// lmdeploy serve/openai/errors.py `request_error_payload` for ErrorCode.CONTEXT_LENGTH_EXCEEDED.
const LMDEPLOY_TOO_LONG = {
  object: 'error',
  message: 'The request exceeds the model context length.',
  type: 'invalid_request_error',
  param: null,
  code: 400,
};
// sglang: an abort carrying a status (`--max-queued-requests` full) becomes an error event with that status.
const SGLANG_QUEUE_FULL = {
  object: 'error',
  message: 'The request queue is full.',
  type: 'SERVICE_UNAVAILABLE',
  param: null,
  code: 503,
};

describe('in-stream error events of relayed OpenAI streams', () => {
  for (const protocol of RELAYED) {
    const adapter = adapterFor(protocol)!;
    const decode = (text: string) => replay(adapter.chatStream(ctx(pool(protocol))), text);

    it(`${protocol}: an over-long prompt reported in the stream is a 400 context_length_exceeded`, () => {
      for (const body of [SGLANG_TOO_LONG, VLLM_TOO_LONG, LMDEPLOY_TOO_LONG]) {
        const events = decode(`${ROLE}${errorEvent(body)}`);
        expect(events.at(-1), body.message).toMatchObject({
          kind: 'error',
          error: { status: 400, code: 'context_length_exceeded' },
        });
        expect(events.at(-1)).toMatchObject({ error: { message: expect.stringContaining(body.message) } });
        expect(events.some((e) => e.kind === 'end')).toBe(false);
      }
    });

    it(`${protocol}: a full queue reported in the stream is a 503, an overload a 429`, () => {
      expect(decode(`${ROLE}${errorEvent(SGLANG_QUEUE_FULL)}`).at(-1)).toMatchObject({
        kind: 'error',
        error: { status: 503, code: 'origin_unavailable' },
      });
      const overloaded = { message: 'Model is overloaded', type: 'TOO_MANY_REQUESTS', code: 429 };
      expect(decode(`${ROLE}${errorEvent(overloaded)}`).at(-1)).toMatchObject({
        kind: 'error',
        error: { status: 429, code: 'origin_overloaded' },
      });
    });

    it(`${protocol}: any other in-stream error stays an engine failure (502), never a client error`, () => {
      // vLLM and SGLang label every exception raised inside the stream 400 BadRequestError.
      for (const body of [
        { message: 'EngineCore encountered an issue.', type: 'BadRequestError', param: null, code: 400 },
        { message: 'Input prompt exceeds the KV cache', type: 'InternalServerError', code: 500 },
        { message: "The input is longer than the model's context length" },
        { message: 'CUDA out of memory', type: 'BadRequestError', code: '400' },
      ]) {
        const events = decode(`${ROLE}${CONTENT}${errorEvent(body)}`);
        expect(events.at(-1), body.message).toMatchObject({
          kind: 'error',
          error: { status: 502, code: 'origin_error' },
        });
      }
    });
  }

  it("LMDeploy's native /generate stream reads its error events alike", () => {
    const decode = (text: string) => replay(adapterFor('lmdeploy')!.chatStream(ctx(pool('lmdeploy'))), text);
    expect(decode(errorEvent(LMDEPLOY_TOO_LONG)).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 400, code: 'context_length_exceeded' },
    });
    const unavailable = { ...LMDEPLOY_TOO_LONG, message: 'The inference engine is unavailable.', code: 503 };
    expect(decode(errorEvent(unavailable)).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 503, code: 'origin_unavailable' },
    });
    const internal = { ...LMDEPLOY_TOO_LONG, message: 'An internal server error occurred.', code: 500 };
    expect(decode(errorEvent(internal)).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 502, code: 'origin_error' },
    });
  });

  it('the completions streams read their error events alike', () => {
    const completions = adapterFor('vllm')!.completions!;
    const events = replay(completions.stream!(ctx(pool('vllm'))), errorEvent(VLLM_TOO_LONG));
    expect(events.at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 400, code: 'context_length_exceeded' },
    });
  });
});
