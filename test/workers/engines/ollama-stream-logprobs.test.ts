import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import type { StreamEvent } from '../../../schemas/stream-events.ts';
import { ollama as adapter, DOT, ollamaChat, PARIS, PARIS_IN_OPENAI } from './ollama-logprobs-setup.ts';
import { assertSplitInvariant, encoded, replay } from './replay-b.ts';

// Ollama (0.12.11+) puts the log-probabilities of each streamed piece on that NDJSON line, as a
// top-level `logprobs` list (server/routes.go ChatHandler: `Logprobs: toAPILogprobs(r.Logprobs)` on
// every ChatResponse). The gateway writes them as OpenAI's `choices[0].logprobs.content` per chunk.

const call = (over: Partial<ChatCompletionRequest>) => ollamaChat(over, true);

const dot = { ...DOT, top_logprobs: [{ token: '.', logprob: -0.2 }] };
const line = (o: Record<string, unknown>) =>
  `${JSON.stringify({ model: 'm', created_at: 't', message: { role: 'assistant', content: '' }, done: false, ...o })}\n`;
const stream =
  line({ message: { role: 'assistant', content: 'Paris' }, logprobs: [PARIS] }) +
  line({ message: { role: 'assistant', content: '.' }, logprobs: [dot] }) +
  line({ done: true, done_reason: 'stop', prompt_eval_count: 9, eval_count: 2 });

/** `choices[0].logprobs` of each content chunk the client reads. */
function chunkLogprobs(events: StreamEvent[]) {
  const out: unknown[] = [];
  for (const block of encoded(events).split('\n\n')) {
    if (!block.startsWith('data: {')) continue;
    const c = JSON.parse(block.slice(6)) as {
      choices: { delta?: { content?: string }; logprobs?: unknown; finish_reason?: string | null }[];
    };
    if (c.choices[0]?.delta?.content) out.push(c.choices[0].logprobs);
  }
  return out;
}

describe('Ollama: log-probabilities on streams', () => {
  it('a streamed request asks Ollama for them', () => {
    expect(call({ logprobs: true, top_logprobs: 2 }).body).toMatchObject({
      stream: true,
      logprobs: true,
      top_logprobs: 2,
    });
  });

  it("each content chunk carries its pieces' log-probabilities, at any byte split", () => {
    const make = () => adapter.chatStream(call({ logprobs: true, top_logprobs: 2 }).c);
    const events = replay(make(), stream);
    expect(chunkLogprobs(events)).toEqual([
      {
        content: [PARIS_IN_OPENAI],
        refusal: null,
      },
      {
        content: [
          {
            token: '.',
            logprob: -0.2,
            bytes: [46],
            top_logprobs: [{ token: '.', logprob: -0.2, bytes: null }],
          },
        ],
        refusal: null,
      },
    ]);
    expect(encoded(events)).toContain('"finish_reason":"stop"');
    expect(events.at(-1)).toEqual({ kind: 'end' });
    assertSplitInvariant(make, stream, 100);
  });

  it('an Ollama that ignores the fields fails the stream before any output, naming the release', () => {
    const old = stream.replace(/,"logprobs":\[[^\n]*\]\}\n/g, '}\n');
    expect(old).not.toContain('logprobs');
    const events = replay(adapter.chatStream(call({ logprobs: true }).c), old);
    expect(events.some((e) => e.kind === 'delta' && e.content)).toBe(false);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    expect(JSON.stringify(events.at(-1))).toContain('0.12.11');
  });

  it('a malformed entry fails the stream instead of reaching the client', () => {
    const bad = stream.replace('"logprob":-0.2,', '"logprob":"x",');
    const events = replay(adapter.chatStream(call({ logprobs: true }).c), bad);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502 } });
  });

  it('not asked: chunks keep logprobs null even when the engine sends them', () => {
    const events = replay(adapter.chatStream(call({}).c), stream);
    expect(chunkLogprobs(events)).toEqual([null, null]);
  });
});
