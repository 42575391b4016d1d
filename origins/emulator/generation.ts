import type { ServerResponse } from 'node:http';
import { closed, sendText, sleep, write } from './http.ts';
import { generateTokens } from './tokens.ts';
import type { EmulatedEngine, EngineRequest } from './types.ts';

/**
 * The part of every engine's generation that does not depend on its protocol: faults that act before
 * the answer starts, the tokens to produce, and a paced stream with mid-stream faults.
 */

/** Apply latency/status/loading/stall-first faults. Returns true when the request was answered. */
export async function preFaults(engine: EmulatedEngine, r: EngineRequest): Promise<boolean> {
  const fault = r.fault;
  if (!fault) return false;
  if (fault.mode === 'latency') {
    await sleep(fault.delayMs ?? 1000);
    return false;
  }
  if (fault.mode === 'status' || fault.mode === 'loading') {
    const status = fault.mode === 'loading' ? 503 : (fault.status ?? 500);
    const message = fault.mode === 'loading' ? 'model is loading' : `injected fault: HTTP ${status}`;
    const answer = engine.errorResponse(status, message);
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    r.res.writeHead(answer.status, {
      'content-type': answer.contentType ?? 'application/json',
      ...headers,
    });
    r.res.end(answer.body);
    return true;
  }
  return false;
}

export interface Generation {
  tokens: string[];
  /** `length` when the token budget was used up, else `stop`. */
  finishReason: 'stop' | 'length';
  promptTokens: number;
}

/**
 * What to generate for a prompt: deterministic tokens, at most `maxTokens`. A natural answer is
 * `answerTokens` long (24 by default); a smaller budget cuts it with `length`.
 */
export function plan(
  r: EngineRequest,
  prompt: string,
  maxTokens: number | undefined,
  seed?: number,
): Generation {
  const natural = r.settings.answerTokens;
  const budget = maxTokens ?? r.settings.defaultMaxTokens;
  const count = Math.max(0, Math.min(natural, budget));
  return {
    tokens: generateTokens(prompt, count, seed ?? 0),
    finishReason: budget < natural ? 'length' : 'stop',
    promptTokens: Math.max(1, Math.ceil(prompt.length / 4)),
  };
}

export interface StreamFrames {
  contentType: string;
  /** Frames written before the first token (a role chunk, for example). */
  head?: () => string;
  token: (token: string, index: number) => string;
  /** Frames after the last token: finish, usage, terminal marker. */
  tail: () => string;
  /** A frame this engine's clients cannot parse. */
  malformed: () => string;
}

/** Stream the generation with the configured pacing, honouring stall-first/stall-mid/cut-mid/malformed. */
export async function streamTokens(r: EngineRequest, gen: Generation, frames: StreamFrames): Promise<void> {
  const res: ServerResponse = r.res;
  res.writeHead(200, { 'content-type': frames.contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
  const fault = r.fault;
  if (fault?.mode === 'stall-first') {
    await closed(res);
    return;
  }
  await sleep(r.settings.ttftMs);
  if (frames.head) await write(res, frames.head());
  const gap = r.settings.tokensPerSecond > 0 ? 1000 / r.settings.tokensPerSecond : 0;
  const breakAt =
    fault && ['stall-mid', 'cut-mid', 'malformed'].includes(fault.mode) ? (fault.afterTokens ?? 2) : -1;
  for (let i = 0; i < gen.tokens.length; i++) {
    if (res.destroyed) return;
    if (i === breakAt) return breakStream(r, frames);
    if (i > 0) await sleep(gap);
    await write(res, frames.token(gen.tokens[i]!, i));
  }
  if (breakAt >= gen.tokens.length) return breakStream(r, frames);
  await write(res, frames.tail());
  res.end();
}

async function breakStream(r: EngineRequest, frames: StreamFrames): Promise<void> {
  const mode = r.fault?.mode;
  if (mode === 'stall-mid') {
    await closed(r.res);
  } else if (mode === 'cut-mid') {
    r.res.socket?.destroy();
  } else {
    await write(r.res, frames.malformed());
    r.res.end();
  }
}

export function notFound(res: ServerResponse): void {
  sendText(res, 404, 'Not Found');
}
