import type { CallContext } from '../types.ts';

/**
 * Engines whose stop criteria match the end of the generated text or token ids keep the matched stop
 * at the end of what they return: TGI's `/generate` and Triton's TensorRT-LLM models (the executor's
 * output ids end with the stop word's ids; only TensorRT-LLM's own Python layer cuts them). OpenAI's
 * answer never contains it. The stops a call asked for are kept to cut it off.
 */
const stopsByCall = new WeakMap<CallContext, readonly string[]>();

export function rememberStops(ctx: CallContext, stop: unknown): void {
  const list = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  const stops = list.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (stops.length > 0) stopsByCall.set(ctx, stops);
}

export function askedStops(ctx: CallContext): readonly string[] {
  return stopsByCall.get(ctx) ?? [];
}

/** `text` without the longest asked-for stop it ends with, and whether one was cut. */
export function cutMatchedStop(text: string, ctx: CallContext): { text: string; cut: boolean } {
  let cut = 0;
  for (const stop of askedStops(ctx)) {
    if (stop.length > cut && text.endsWith(stop)) cut = stop.length;
  }
  return cut > 0 ? { text: text.slice(0, text.length - cut), cut: true } : { text, cut: false };
}

/** `text` without the longest asked-for stop it ends with. */
export function withoutMatchedStop(text: string, ctx: CallContext): string {
  return cutMatchedStop(text, ctx).text;
}

/**
 * A stream's text held back by as many characters as the longest stop, so that a stop spread over the
 * last tokens can still be cut once the stream says (or, for an engine that reports no finish reason,
 * once its end shows) that a stop sequence ended the generation.
 */
export function stopHoldback(ctx: CallContext) {
  const hold = Math.max(0, ...askedStops(ctx).map((s) => s.length));
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
    /** The rest, cut of a stop it ends with: for engines that do not say why they stopped. */
    finishIfMatched(): { text: string; cut: boolean } {
      const rest = cutMatchedStop(pending, ctx);
      pending = '';
      return rest;
    },
  };
}
