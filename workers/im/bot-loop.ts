/**
 * Telling a chat with another business's auto-replying bot from a chat with a person, so two bots
 * answering each other do not burn the model budget until the flood limit. Pure: times are passed in.
 *
 * A round is our reply and the first message that arrives after it. A round looks automated when that
 * message came faster than anyone types it (under LOOP_QUICK_BASE_MS plus LOOP_QUICK_MS_PER_CHAR per
 * character, about 25 characters a second after 0.8 s), or when it repeats our reply back within
 * LOOP_ECHO_WINDOW_MS. After LOOP_ROUNDS automated rounds in a row the chat is paused for LOOP_PAUSE_MS;
 * one round at a person's pace starts the count again. A person typing at up to 15 characters a second
 * after reading for a second (faster than anyone keeps up) is never counted; messages sent before our
 * reply arrived, or after the first one following it, are not judged at all.
 */
export const LOOP_ROUNDS = 5;
export const LOOP_PAUSE_MS = 30 * 60_000;
export const LOOP_QUICK_BASE_MS = 800;
export const LOOP_QUICK_MS_PER_CHAR = 40;
export const LOOP_ECHO_WINDOW_MS = 60_000;
/** An echo is our whole reply repeated; a shorter reply must match exactly ("ok" inside a message is no echo). */
const ECHO_CONTAINED_MIN_CHARS = 20;
/** The stored copy of our reply: enough to recognise it, bounded in size. */
const REPLY_KEPT_CHARS = 2000;

export interface LoopState {
  /** When our last reply was delivered, and what it said (normalized, at most REPLY_KEPT_CHARS). */
  replyAt?: number;
  reply?: string;
  /** The first message after that reply was judged: later ones in the same round are not. */
  judged?: boolean;
  /** Automated rounds in a row. */
  rounds: number;
  /** Messages arriving before this are not answered. */
  pausedUntil?: number;
}

/** `answer`: go on as usual; `pause`: this round paused the chat (say so once); `paused`: stay silent. */
export type LoopVerdict = 'answer' | 'pause' | 'paused';

const EMPTY: LoopState = { rounds: 0 };

/** Case, spacing and punctuation at the ends do not make a different text. */
function normalized(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
}

/** Our reply went out at `at`: the next message is judged against it. */
export function noteReply(state: LoopState | undefined, text: string, at: number): LoopState {
  const { judged: _judged, ...rest } = state ?? EMPTY;
  return { ...rest, replyAt: at, reply: normalized(text).slice(0, REPLY_KEPT_CHARS) };
}

/** Whether the pause is on for a message that arrived at `at`. */
export function isPaused(state: LoopState | undefined, at: number): boolean {
  return state?.pausedUntil !== undefined && at < state.pausedUntil;
}

/** Judge a message that arrived at `at` (the same clock as noteReply's). */
export function judgeMessage(
  state: LoopState | undefined,
  message: { text: string; at: number },
): { verdict: LoopVerdict; state: LoopState } {
  let current = state ?? EMPTY;
  if (isPaused(current, message.at)) return { verdict: 'paused', state: current };
  if (current.pausedUntil !== undefined) {
    // The pause is over: the count starts again from nothing.
    const { pausedUntil: _over, ...rest } = current;
    current = { ...rest, rounds: 0 };
  }
  const { replyAt, reply } = current;
  if (replyAt === undefined || reply === undefined || current.judged || message.at < replyAt)
    return { verdict: 'answer', state: current };
  const judged = { ...current, judged: true };
  if (!automated(reply, message.text, message.at - replyAt))
    return { verdict: 'answer', state: { ...judged, rounds: 0 } };
  const rounds = current.rounds + 1;
  if (rounds < LOOP_ROUNDS) return { verdict: 'answer', state: { ...judged, rounds } };
  return { verdict: 'pause', state: { ...judged, rounds: 0, pausedUntil: message.at + LOOP_PAUSE_MS } };
}

/** The pause lifted by hand (a person said `/reset`). */
export function liftPause(state: LoopState | undefined): LoopState {
  const { pausedUntil: _lifted, ...rest } = state ?? EMPTY;
  return { ...rest, rounds: 0 };
}

function automated(reply: string, text: string, gapMs: number): boolean {
  const said = normalized(text);
  if ([...text].length * LOOP_QUICK_MS_PER_CHAR + LOOP_QUICK_BASE_MS > gapMs) return true;
  if (gapMs >= LOOP_ECHO_WINDOW_MS || reply === '' || said === '') return false;
  return said === reply || (reply.length >= ECHO_CONTAINED_MIN_CHARS && said.includes(reply));
}
