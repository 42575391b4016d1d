import type { CallContext } from '../types.ts';

/**
 * TGI's `/generate` ends its text with the stop sequence that stopped it (its criteria match the text's
 * end), while OpenAI's answer never contains it. The stops a call asked for are kept to cut it off.
 */
const stopsByCall = new WeakMap<CallContext, readonly string[]>();

export function rememberStops(ctx: CallContext, stop: unknown): void {
  const list = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  const stops = list.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (stops.length > 0) stopsByCall.set(ctx, stops);
}

/** `text` without the longest asked-for stop it ends with. */
export function withoutMatchedStop(text: string, ctx: CallContext): string {
  let cut = 0;
  for (const stop of stopsByCall.get(ctx) ?? []) {
    if (stop.length > cut && text.endsWith(stop)) cut = stop.length;
  }
  return cut > 0 ? text.slice(0, text.length - cut) : text;
}

/**
 * A stream's text held back by as many characters as the longest stop, so that a stop spread over the
 * last tokens can still be cut when the engine says a stop sequence ended the generation.
 */
export function stopHoldback(ctx: CallContext) {
  const hold = Math.max(0, ...(stopsByCall.get(ctx) ?? []).map((s) => s.length));
  let pending = '';
  return {
    /** The text that can be sent now. */
    push(text: string): string {
      if (hold === 0) return text;
      pending += text;
      let at = pending.length - hold;
      if (at <= 0) return '';
      // Never split a surrogate pair between two deltas.
      if (/[\uD800-\uDBFF]/.test(pending[at - 1]!)) at--;
      const ready = pending.slice(0, at);
      pending = pending.slice(at);
      return ready;
    },
    /** The rest, cut of its stop when one ended the generation. */
    finish(stoppedBySequence: boolean): string {
      const rest = stoppedBySequence ? withoutMatchedStop(pending, ctx) : pending;
      pending = '';
      return rest;
    },
  };
}
