import { describe, expect, it } from 'vitest';
import { ollamaPull } from '../../../origins/ollama/pull.ts';
import { adapterFor } from '../../../origins/registry.ts';
import { MAX_FRAME_CHARS } from '../../../origins/streams/framed-decoder.ts';
import type { PullProgress } from '../../../origins/types.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { StreamDecoder, StreamEvent } from '../../../schemas/stream-events.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * An origin that never ends its event (no blank line, no newline) must not grow the gateway's memory
 * without bound: once one frame passes the limit the stream fails with a clear error, and the decoder
 * reads nothing more.
 */

const utf8 = new TextEncoder();
const PIECE = utf8.encode('x'.repeat(1024 * 1024));

function decoderFor(protocol: EngineProtocol): StreamDecoder {
  const adapter = adapterFor(protocol)!;
  const c = ctx(pool(protocol));
  adapter.buildChat({ model: 'client-model', messages: [{ role: 'user', content: 'hi' }] }, c);
  return adapter.chatStream(c);
}

/** Pushes `head`, then 1 MiB pieces until an event comes back (or twice the limit has gone in). */
function flood(decoder: StreamDecoder, head: string): StreamEvent[] {
  const events = [...decoder.push(utf8.encode(head))];
  for (let sent = 0; sent <= 2 * MAX_FRAME_CHARS && events.length === 0; sent += PIECE.length) {
    events.push(...decoder.push(PIECE));
  }
  return events;
}

describe('one frame larger than the limit', () => {
  const cases: [EngineProtocol, string][] = [
    ['vllm', 'data: {"choices":[{"delta":{"content":"'],
    ['tgi', 'data: {"token":{"text":"'],
    ['ollama', '{"message":{"content":"'],
    ['deepspeed-mii', '[{"generated_text":"'],
  ];
  for (const [protocol, head] of cases) {
    it(`${protocol}: fails the stream with 502 origin_response_too_large`, () => {
      const decoder = decoderFor(protocol);
      const events = flood(decoder, head);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        kind: 'error',
        error: { status: 502, code: 'origin_response_too_large' },
      });
      // Nothing more is buffered or reported once the stream has failed.
      expect(decoder.push(PIECE)).toEqual([]);
      expect(decoder.end()).toEqual([]);
    });
  }

  it('counts many short data lines of one SSE event too', () => {
    const decoder = decoderFor('vllm');
    const line = utf8.encode(`data: ${'y'.repeat(64 * 1024)}\n`);
    let events: StreamEvent[] = [];
    for (let sent = 0; sent <= 2 * MAX_FRAME_CHARS && events.length === 0; sent += line.length) {
      events = decoder.push(line);
    }
    expect(events[0]).toMatchObject({ kind: 'error', error: { code: 'origin_response_too_large' } });
  });

  it('a large frame under the limit still decodes', () => {
    const decoder = decoderFor('vllm');
    const content = 'z'.repeat(2 * 1024 * 1024);
    const events = decoder.push(
      utf8.encode(
        `data: {"model":"m","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\ndata: [DONE]\n\n`,
      ),
    );
    expect(events.map((e) => e.kind)).toEqual(['chunk', 'end']);
  });
});

describe('an Ollama pull progress line larger than the limit', () => {
  it('fails the pull instead of buffering it', () => {
    const progress = ollamaPull.progress();
    const first = progress.push(utf8.encode('{"status":"pulling manifest"}\n{"status":"'));
    expect(first).toEqual([{ status: 'pulling manifest' }]);
    let lines: PullProgress[] = [];
    for (let sent = 0; sent <= 2 * MAX_FRAME_CHARS && lines.length === 0; sent += PIECE.length) {
      lines = progress.push(PIECE);
    }
    expect(lines).toEqual([{ error: expect.stringContaining('larger than') }]);
  });
});
