import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, ctx, encoded, pool, replay } from './replay-b.ts';

// TGI's log-probability items are `{token, logprob, top_logprobs: [{token, logprob}]}`; OpenAI's
// ChatCompletionTokenLogprob and its TopLogprob also carry `bytes` (number[] | null).

const bytesPool = pool('tgi-messages');

const chunk = (token: string, logprob: number | null, finish: string | null = null) =>
  `data: ${JSON.stringify({
    object: 'chat.completion.chunk',
    id: '',
    created: 1,
    model: 'm',
    system_fingerprint: '3.1.2-native',
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', content: token },
        logprobs: { content: [{ token, logprob, top_logprobs: [{ token: `${token}?`, logprob: -2.5 }] }] },
        finish_reason: finish,
      },
    ],
    usage: null,
  })}\n\n`;

function scoredCall() {
  const c = ctx(bytesPool);
  tgiMessagesAdapter.buildChat(
    {
      model: 'client-model',
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 1,
    } as ChatCompletionRequest,
    c,
  );
  return c;
}

/** The log-probability items of the client's chunks, in order. */
function items(sse: string) {
  return sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .flatMap((b) => (JSON.parse(b.slice(6)) as ChatCompletionChunk).choices[0]?.logprobs?.content ?? []);
}

describe('TGI Messages API stream log-probabilities', () => {
  const stream = `${chunk('Hé', -0.25)}${chunk(' 🙂', -1.5, 'eos_token')}data: [DONE]\n\n`;

  it("carry each token's UTF-8 bytes, on the item and its top items", () => {
    const got = items(encoded(replay(tgiMessagesAdapter.chatStream(scoredCall()), stream)));
    expect(got).toEqual([
      {
        token: 'Hé',
        logprob: -0.25,
        bytes: [72, 195, 169],
        top_logprobs: [{ token: 'Hé?', logprob: -2.5, bytes: [72, 195, 169, 63] }],
      },
      {
        token: ' 🙂',
        logprob: -1.5,
        bytes: [32, 240, 159, 153, 130],
        top_logprobs: [{ token: ' 🙂?', logprob: -2.5, bytes: [32, 240, 159, 153, 130, 63] }],
      },
    ]);
    assertSplitInvariant(() => tgiMessagesAdapter.chatStream(scoredCall()), stream, 50);
  });

  it('give a token TGI scored as null (a non-finite value) the OpenAI floor', () => {
    const got = items(
      encoded(
        replay(
          tgiMessagesAdapter.chatStream(scoredCall()),
          `${chunk('x', null, 'eos_token')}data: [DONE]\n\n`,
        ),
      ),
    );
    expect(got[0]).toMatchObject({ token: 'x', logprob: -9999, bytes: [120] });
  });

  it('end the stream with an error when an item is not a scored token', () => {
    const bad = chunk('x', -0.1).replace('"token":"x"', '"token":7');
    const events = replay(tgiMessagesAdapter.chatStream(scoredCall()), `${bad}data: [DONE]\n\n`);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { code: 'origin_malformed_stream' } });
  });
});
