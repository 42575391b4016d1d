import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import miiChat from '../../../../shared/fixtures/engines/deepspeed-mii.openai-chat.stream.txt?raw';
import lmdeployChat from '../../../../shared/fixtures/engines/lmdeploy.chat.stream.include_usage.txt?raw';
import lmdeployGen from '../../../../shared/fixtures/engines/lmdeploy.generate.stream.txt?raw';
import ollamaChat from '../../../../shared/fixtures/engines/ollama.chat.stream.ndjson.txt?raw';
import sglangChat from '../../../../shared/fixtures/engines/sglang.chat.stream.include_usage.txt?raw';
import sglangGen from '../../../../shared/fixtures/engines/sglang.generate.stream.txt?raw';
import tgiChat from '../../../../shared/fixtures/engines/tgi.chat.stream.include_usage.txt?raw';
import tgiGen from '../../../../shared/fixtures/engines/tgi.generate_stream.txt?raw';
import tritonGen from '../../../../shared/fixtures/engines/triton-trtllm.generate_stream.txt?raw';
import trtllmChat from '../../../../shared/fixtures/engines/trtllm-serve.chat.stream.txt?raw';
import vllmChat from '../../../../shared/fixtures/engines/vllm.chat.stream.include_usage.txt?raw';
import { adapterFor } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, ctx, cutsIn, encoded, merged, pool, replay } from './replay-b.ts';

/**
 * Every stream framing the engines use, each transcript also sent with CRLF line endings (which SSE
 * and any line-based reader must accept) and split at arbitrary byte offsets, multi-byte characters
 * included: the events and the OpenAI output must not change.
 */
const TRANSCRIPTS: [EngineProtocol, string][] = [
  ['vllm', vllmChat],
  ['tgi', tgiGen],
  ['tgi-messages', tgiChat],
  ['ollama', ollamaChat],
  ['sglang', sglangGen],
  ['sglang-openai', sglangChat],
  ['trtllm-serve', trtllmChat],
  ['triton-trtllm', tritonGen],
  ['deepspeed-mii-openai', miiChat],
  ['lmdeploy', lmdeployGen],
  ['lmdeploy-openai', lmdeployChat],
];

const req: ChatCompletionRequest = {
  model: 'client-model',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 64,
};

function decoder(protocol: EngineProtocol) {
  const adapter = adapterFor(protocol)!;
  return () => {
    const c = ctx(pool(protocol), { stream: true });
    adapter.buildChat(req, c);
    return adapter.chatStream(c);
  };
}

/** Raw line breaks only ever frame the transcripts (JSON escapes those inside strings). */
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

describe.each(TRANSCRIPTS)('%s stream framing', (protocol, text) => {
  const make = decoder(protocol);

  it('decodes the transcript to a finished stream', () => {
    const events = replay(make(), text);
    expect(events.at(-1)).toEqual({ kind: 'end' });
    expect(events.some((e) => e.kind === 'error')).toBe(false);
  });

  it('CRLF line endings decode to the same events', () => {
    expect(merged(replay(make(), crlf(text)))).toEqual(merged(replay(make(), text)));
  });

  it('is split-invariant with either line ending', () => {
    assertSplitInvariant(make, text, 60);
    assertSplitInvariant(make, crlf(text), 60);
  });

  it('multi-byte text split inside its characters arrives whole', () => {
    // Every ASCII letter of the content becomes a 3- or 4-byte character: cuts land inside them.
    const wide = text.replace(
      /"(content|text|text_output|response)": ?"([^"\\]*)"/g,
      (_m, key: string, value: string) =>
        `"${key}":"${value.replace(/[A-Za-z]/g, (ch) => (ch.toLowerCase() < 'n' ? '€' : '🙂'))}"`,
    );
    expect(wide).not.toBe(text);
    const whole = encoded(replay(make(), wide));
    const length = new TextEncoder().encode(wide).length;
    fc.assert(
      fc.property(cutsIn(length), (cuts) => encoded(replay(make(), wide, cuts)) === whole),
      { numRuns: 60 },
    );
    expect(whole).not.toContain('\uFFFD');
  });
});
