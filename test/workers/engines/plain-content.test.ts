import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import openAiStream from '../../../../shared/fixtures/engines/openai.chat.stream.txt?raw';
import sglangStream from '../../../../shared/fixtures/engines/sglang.chat.stream.include_usage.txt?raw';
import vllmUsageStream from '../../../../shared/fixtures/engines/vllm.chat.stream.include_usage.txt?raw';
import vllmStream from '../../../../shared/fixtures/engines/vllm.chat.stream.txt?raw';
import { isPlainContentEvent } from '../../../origins/openai-compatible/scan.ts';
import { openAiStreamDecoder } from '../../../origins/openai-compatible/stream.ts';
import { SseParser } from '../../../origins/streams/sse.ts';
import { ChunkEncoder } from '../../../workers/dispatch/chunk-encoder.ts';

const utf8 = new TextEncoder();

/**
 * What the relay sends for `chunks`, the way dispatch.ts drives the decoder and encoder: with the
 * plain-content fast path once output has started, or without it. Also how often the fast path was taken.
 */
function relay(chunks: Uint8Array[], fast: boolean) {
  const decoder = openAiStreamDecoder({ engine: 'vllm', terminator: true });
  const encoder = new ChunkEncoder({
    id: 'x',
    model: 'client/model',
    created: 1,
    includeUsage: true,
    promptEstimate: 3,
  });
  let out = '';
  let output = false;
  let plainTaken = 0;
  const run = (events: ReturnType<typeof decoder.push>) => {
    for (const event of events) {
      if (event.kind === 'error') return `${out}<error ${event.error.code}>`;
      if (event.kind === 'end') return out + encoder.finish();
      if (event.kind === 'chunk' && event.hasOutput) output = true;
      out += encoder.encode(event);
    }
    return undefined;
  };
  for (const chunk of chunks) {
    const plain = fast && output ? decoder.plainContent?.(chunk) : undefined;
    if (plain !== undefined) {
      plainTaken++;
      out += encoder.plainContent(plain);
      continue;
    }
    const done = run(decoder.push(chunk));
    if (done !== undefined)
      return { out: done, usage: encoder.usage(), finish: encoder.finishReason, plainTaken };
  }
  return { out: run(decoder.end()) ?? out, usage: encoder.usage(), finish: encoder.finishReason, plainTaken };
}

/** The stream as an engine sends it: one chunk per SSE event. */
function perEvent(text: string): Uint8Array[] {
  return text
    .split(/(?<=\n\n)/)
    .filter((part) => part.length > 0)
    .map((part) => utf8.encode(part));
}

/** The same bytes cut at the given offsets (anywhere, even inside a UTF-8 character). */
function cutAt(text: string, cuts: number[]): Uint8Array[] {
  const bytes = utf8.encode(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

const chunkJson = (model: string, delta: Record<string, unknown>, finish: string | null, extra = '') =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}]${extra}}\n\n`;

describe('plain content fast path', () => {
  const content = chunkJson('engine-model', { content: 'Hello' }, null);

  it('recognises the usual content event and nothing that needs the full path', () => {
    expect(isPlainContentEvent(content)).toBe(true);
    expect(isPlainContentEvent(chunkJson('m', { content: 'x' }, null, ',"usage":null'))).toBe(true);
    const refused = {
      'finish reason': chunkJson('m', { content: 'x' }, 'stop'),
      'empty content': chunkJson('m', { content: '' }, null),
      'role only': chunkJson('m', { role: 'assistant' }, null),
      'reasoning only': chunkJson('m', { reasoning_content: 'hm' }, null),
      'tool calls': chunkJson('m', { tool_calls: [{ index: 0, function: { arguments: '{' } }] }, null),
      usage: chunkJson('m', { content: 'x' }, null, ',"usage":{"prompt_tokens":1,"completion_tokens":1}'),
      'escaped model': chunkJson('m"x', { content: 'x' }, null),
      'spaced model': content.replace('"model":"', '"model": "'),
      'spaced model, plain one nested later': content
        .replace('"model":"', '"model": "')
        .replace('}]}\n\n', '}],"x":{"model":"y"}}\n\n'),
      'lone CR (JSON whitespace)': content.replace('"model"', '\r"model"'),
      'no model': content.replace('"model":"engine-model",', ''),
      'error key': content.replace('"logprobs":null', '"error":null'),
      'two events': content + content,
      CRLF: content.replace(/\n\n$/, '\r\n\r\n'),
      'no space after data:': content.replace('data: ', 'data:'),
      'cut short': content.slice(0, -4),
      'comment line': `: ping\n${content}`,
      DONE: 'data: [DONE]\n\n',
    };
    for (const [name, text] of Object.entries(refused))
      expect({ name, plain: isPlainContentEvent(text) }).toEqual({ name, plain: false });
  });

  it('relays the engines’ recorded streams byte for byte as the full path does, and takes the fast path', () => {
    for (const [name, text] of Object.entries({ vllmStream, vllmUsageStream, openAiStream, sglangStream })) {
      const slow = relay(perEvent(text), false);
      const fast = relay(perEvent(text), true);
      expect({ name, out: fast.out, usage: fast.usage, finish: fast.finish }).toEqual({
        name,
        out: slow.out,
        usage: slow.usage,
        finish: slow.finish,
      });
      expect({ name, taken: fast.plainTaken > 0 }).toEqual({ name, taken: true });
    }
  });

  it('never takes an event out of one that is still pending (JSON spread over two data lines)', () => {
    const inner = chunkJson('engine-model', { content: 'x' }, null).slice(6, -2);
    const chunks = [
      chunkJson('engine-model', { role: 'assistant', content: '' }, null),
      chunkJson('engine-model', { content: 'Hi' }, null),
      'data: {"wrapper":\n', // the event's first line; it ends at the next blank line
      `data: ${inner}}\n\n`, // looks like a plain event on its own, but is the same event's second line
      chunkJson('engine-model', {}, 'stop'),
      'data: [DONE]\n\n',
    ].map((c) => utf8.encode(c));
    const slow = relay(chunks, false);
    const fast = relay(chunks, true);
    expect(fast.out).toBe(slow.out);
    // The client gets one data line per engine line, so its SSE parser rebuilds the engine's JSON.
    const events = new SseParser().push(utf8.encode(slow.out));
    const spread = JSON.parse(events[2]!.data) as { wrapper: { model: string } };
    expect(spread.wrapper.model).toBe('client/model');
    expect(events.map((e) => e.data).at(-1)).toBe('[DONE]');
  });

  it('gives the same bytes and usage as the full path for any tokens, split anywhere', () => {
    const token = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('"', '\\', '\n', '🙂', 'é', '"model":"x"', '"finish_reason":"stop"', 'data: '),
    );
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('engine-model', 'Qwen/Qwen3-0.6B', 'm "quoted"'),
        fc.boolean(),
        fc.option(fc.array(fc.nat(4000), { maxLength: 6 })),
        (tokens, model, usage, cuts) => {
          let text = chunkJson(model, { role: 'assistant', content: '' }, null);
          for (const t of tokens) text += chunkJson(model, { content: t }, null);
          text += chunkJson(model, {}, 'stop');
          if (usage)
            text += `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"${model.replaceAll('"', '\\"')}","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":${tokens.length},"total_tokens":${tokens.length + 3}}}\n\n`;
          text += 'data: [DONE]\n\n';
          const chunks = cuts ? cutAt(text, cuts) : perEvent(text);
          const slow = relay(chunks, false);
          const fast = relay(chunks, true);
          expect(fast.out).toBe(slow.out);
          expect(fast.usage).toEqual(slow.usage);
          expect(fast.finish).toBe(slow.finish);
          expect(slow.out.endsWith('data: [DONE]\n\n')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
