import { describe, expect, it } from 'vitest';
import { openAiStreamDecoder } from '../../../origins/openai-compatible/stream.ts';
import type { StreamEvent } from '../../../schemas/stream-events.ts';

// Relayed OpenAI-style streams: the shapes some servers send that must not read as a normal answer.

const utf8 = new TextEncoder();

function decode(sse: string): StreamEvent[] {
  const decoder = openAiStreamDecoder({ engine: 'vllm', terminator: true });
  return [...decoder.push(utf8.encode(sse)), ...decoder.end()];
}

describe('relayed OpenAI streams', () => {
  it('a flat {"object":"error"} event mid-stream fails the stream, with its status', () => {
    const events = decode(
      'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n' +
        'data: {"object":"error","message":"CUDA out of memory","type":"InternalServerError","param":null,"code":500}\n\n' +
        'data: [DONE]\n\n',
    );
    const failure = events.find((e) => e.kind === 'error');
    expect(failure).toBeDefined();
    expect(events.some((e) => e.kind === 'end')).toBe(false);
    expect(JSON.stringify(failure)).toContain('CUDA out of memory');
    // An overload said this way is still "back off", not a broken origin.
    const overloaded = decode('data: {"object":"error","message":"busy","code":503}\n\n');
    expect(overloaded[0]).toMatchObject({ kind: 'error', error: { status: 503 } });
  });

  it('a usage-only chunk with choices null or absent reaches the client with choices []', () => {
    for (const choices of [',"choices":null', '']) {
      const [usage] = decode(
        `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m"${choices},"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\ndata: [DONE]\n\n`,
      );
      expect(usage).toMatchObject({ kind: 'chunk', hasOutput: false });
      expect(JSON.parse((usage as { json: string }).json).choices).toEqual([]);
    }
  });
});
