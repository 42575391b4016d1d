import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  judgeMessage,
  LOOP_ECHO_WINDOW_MS,
  LOOP_PAUSE_MS,
  LOOP_QUICK_BASE_MS,
  LOOP_QUICK_MS_PER_CHAR,
  LOOP_ROUNDS,
  type LoopState,
  type LoopVerdict,
  liftPause,
  noteReply,
} from '../../../workers/im/bot-loop.ts';

/**
 * One chat as the detector sees it: each round is our reply, then messages arriving `gaps` ms after it
 * (negative: sent before it arrived). Returns every verdict in order.
 */
function play(rounds: { reply: string; replyAt: number; messages: { text: string; gap: number }[] }[]) {
  let state: LoopState | undefined;
  const verdicts: LoopVerdict[] = [];
  for (const round of rounds) {
    state = noteReply(state, round.reply, round.replyAt);
    for (const m of round.messages) {
      const judged = judgeMessage(state, { text: m.text, at: round.replyAt + m.gap });
      state = judged.state;
      verdicts.push(judged.verdict);
    }
  }
  return { verdicts, state };
}

/** A bot on the other side: answers each of our replies after `gap` ms with `text`. */
function botRounds(count: number, gap: number, text: (i: number) => string, start = 1_000_000) {
  return Array.from({ length: count }, (_, i) => ({
    reply: `reply number ${i} from us, with some words`,
    replyAt: start + i * (gap + 5_000),
    messages: [{ text: text(i), gap }],
  }));
}

describe('the bot loop detector', () => {
  it(`pauses a chat after ${LOOP_ROUNDS} rounds answered faster than anyone types, for ${LOOP_PAUSE_MS / 60_000} minutes`, () => {
    const { verdicts, state } = play(
      botRounds(8, 3_000, (i) => `Thank you for your message ${i}! ${'x'.repeat(200)}`),
    );
    expect(verdicts).toEqual([
      ...Array(LOOP_ROUNDS - 1).fill('answer'),
      'pause',
      'paused',
      'paused',
      'paused',
    ]);
    const pausedAt = 1_000_000 + (LOOP_ROUNDS - 1) * 8_000 + 3_000;
    expect(state?.pausedUntil).toBe(pausedAt + LOOP_PAUSE_MS);
    // Over: the next message is answered and the count starts from nothing.
    const after = judgeMessage(noteReply(state, 'later', pausedAt + LOOP_PAUSE_MS), {
      text: 'hi',
      at: pausedAt + LOOP_PAUSE_MS + 500,
    });
    expect(after.verdict).toBe('answer');
    expect(after.state.rounds).toBe(1);
    expect(after.state.pausedUntil).toBeUndefined();
  });

  it('pauses a slow bot that repeats our replies back', () => {
    const rounds = Array.from({ length: LOOP_ROUNDS }, (_, i) => ({
      reply: `Our answer number ${i}, long enough to be recognised.`,
      replyAt: 1_000_000 + i * 60_000,
      messages: [{ text: `  OUR ANSWER NUMBER ${i}, long enough to be recognised!`, gap: 30_000 }],
    }));
    expect(play(rounds).verdicts.at(-1)).toBe('pause');
    // Slower than the echo window, an echo is someone quoting us now and then: not counted.
    const late = rounds.map((r) => ({ ...r, messages: [{ ...r.messages[0]!, gap: LOOP_ECHO_WINDOW_MS }] }));
    expect(play(late).verdicts).not.toContain('pause');
    // Part of a short reply inside a longer message is no echo ("ok" in "ok, and then?").
    const short = rounds.map((r) => ({
      ...r,
      reply: 'ok',
      messages: [{ text: 'ok, and then what happens next?', gap: 30_000 }],
    }));
    expect(play(short).verdicts).not.toContain('pause');
  });

  it('starts counting again after one round at a person’s pace', () => {
    const quick = botRounds(LOOP_ROUNDS - 1, 1_000, () => 'auto reply text');
    const human = {
      reply: 'r',
      replyAt: 2_000_000,
      messages: [{ text: 'let me think about it', gap: 20_000 }],
    };
    const more = botRounds(LOOP_ROUNDS - 1, 1_000, () => 'auto reply text', 3_000_000);
    expect(play([...quick, human, ...more]).verdicts).not.toContain('pause');
    expect(
      play([...quick, human, ...more, ...botRounds(1, 500, () => 'auto', 4_000_000)]).verdicts.at(-1),
    ).toBe('pause');
  });

  it('judges only the first message after each reply, and none sent before it arrived', () => {
    const burst = botRounds(LOOP_ROUNDS * 2, 500, () => 'quick').map((r) => ({
      ...r,
      // A person's earlier messages (still queued) and their further ones do not count twice.
      messages: [
        { text: 'typed before', gap: -2_000 },
        { text: 'x', gap: 30_000 },
        { text: 'y', gap: 30_100 },
      ],
    }));
    expect(play(burst).verdicts).not.toContain('pause');
  });

  it('/reset lifts a pause', () => {
    const { state } = play(botRounds(LOOP_ROUNDS, 500, () => 'auto'));
    expect(state?.pausedUntil).toBeDefined();
    const lifted = liftPause(state);
    expect(judgeMessage(lifted, { text: 'hello', at: (state?.pausedUntil ?? 0) - 60_000 }).verdict).toBe(
      'answer',
    );
  });

  it('never pauses an ordinary fast human chat (property)', () => {
    // A person answers each reply after reading for at least a second, typing at most 15 characters a
    // second (faster than anyone keeps up); may fire off more messages, or have sent some before the
    // reply arrived; never pastes our reply back.
    const text = fc.string({ unit: fc.constantFrom(...'bcdefghijk lmnopq?!.,'), maxLength: 600 });
    const first = text.chain((t) =>
      fc
        .integer({ min: 1_000 + Math.ceil(([...t].length * 1000) / 15), max: 600_000 })
        .map((gap) => ({ text: t, gap })),
    );
    const round = fc.record({
      reply: fc.string({ maxLength: 300 }).map((s) => `reply# ${s}`),
      before: fc.array(fc.record({ text, gap: fc.integer({ min: -600_000, max: -1 }) }), { maxLength: 2 }),
      first,
      later: fc.array(fc.record({ text, delay: fc.integer({ min: 0, max: 600_000 }) }), { maxLength: 3 }),
      pause: fc.integer({ min: 0, max: 3_600_000 }),
    });
    fc.assert(
      fc.property(fc.array(round, { minLength: 1, maxLength: 40 }), (rounds) => {
        let at = 1_000_000;
        const played = rounds.map((r) => {
          const replyAt = at;
          const lastGap = r.first.gap + Math.max(0, ...r.later.map((l) => l.delay));
          at = replyAt + lastGap + 1 + r.pause;
          return {
            reply: r.reply,
            replyAt,
            messages: [
              ...r.before,
              r.first,
              ...r.later.map((l) => ({ text: l.text, gap: r.first.gap + l.delay })),
            ],
          };
        });
        const { verdicts } = play(played);
        return verdicts.every((v) => v === 'answer');
      }),
      { numRuns: 300 },
    );
  });

  it(`always pauses a bot answering faster than its text could be typed within ${LOOP_ROUNDS} rounds (property)`, () => {
    const answer = fc
      .string({ minLength: 0, maxLength: 2000 })
      .chain((t) =>
        fc
          .integer({ min: 0, max: LOOP_QUICK_BASE_MS + [...t].length * LOOP_QUICK_MS_PER_CHAR - 1 })
          .map((gap) => ({ text: t, gap })),
      );
    fc.assert(
      fc.property(fc.array(answer, { minLength: LOOP_ROUNDS, maxLength: LOOP_ROUNDS }), (answers) => {
        const rounds = answers.map((a, i) => ({
          reply: `ours ${i}`,
          replyAt: 1_000_000 + i * 100_000,
          messages: [a],
        }));
        return play(rounds).verdicts.at(-1) === 'pause';
      }),
      { numRuns: 200 },
    );
  });
});
