import type { CallContext } from '../../origins/types.ts';
import { asEcoError, EcoError, fromErrorInfo, withHeaders } from '../../schemas/errors.ts';
import type { Usage } from '../../schemas/openai/chat.ts';
import type { StreamEvent } from '../../schemas/stream-events.ts';
import { logIfOperatorFault } from '../http/operator-fault.ts';
import { type AttemptContext, type OpenExchange, withFailover } from './attempts.ts';
import { ChunkEncoder } from './chunk-encoder.ts';
import { committedError } from './committed.ts';
import type { Endpoint } from './endpoint.ts';
import { isPoolRefusal } from './refused-by.ts';
import type { RouteTarget } from './route-plan.ts';
import { StreamSession } from './stream-session.ts';
import { readAllText } from './timed-reader.ts';

const MAX_COMPLETION_BODY = 32 * 1024 * 1024;

export interface Dispatch extends AttemptContext {
  endpoint: Endpoint;
  /** The client asked for a usage chunk at the end of the stream. */
  includeUsage: boolean;
  clientModel: string;
  plan: RouteTarget[];
  holdMs: number;
  /** See StreamSessionOptions.flushMs. */
  flushMs: number;
  promptEstimate: number;
  /** Headers every response of this request carries (request id, rate limits, …). */
  headers: () => Record<string, string>;
  /** Called once when the request is over, with what it cost. */
  onFinish: (record: FinishRecord) => void;
}

export interface FinishRecord {
  status: number;
  usage?: Usage;
  pool?: string;
  origin?: string;
  ttftMs?: number;
  latencyMs: number;
  streamed: boolean;
  /** The pools refused the request before any origin saw it: nothing ran, so it is not counted as a request. */
  refusedByPool?: boolean;
}

function callContext(d: Dispatch, target: RouteTarget, stream: boolean): CallContext {
  return {
    engineModel: target.engineModel,
    clientModel: d.clientModel,
    stream,
    includeUsage: d.includeUsage,
    pool: target.pool,
    requestId: d.requestId,
    created: Math.floor(Date.now() / 1000),
  };
}

function build(d: Dispatch, stream: boolean) {
  return (target: RouteTarget) => {
    const call = callContext(d, target, stream);
    return { call, request: d.endpoint.build(target, call) };
  };
}

/** Non-stream: the whole answer is read within the pool's timeouts, decoded and returned as JSON. */
export async function dispatchJson(d: Dispatch): Promise<Response> {
  const started = Date.now();
  try {
    const { completion, exchange } = await withFailover(d.plan, d, build(d, false), async (ex) => {
      const text = await readCompletion(ex);
      const completion = d.endpoint.decode(ex.target, text, ex.call);
      return { completion, exchange: ex };
    });
    completion.usage ??= estimate(d.promptEstimate, d.endpoint.outputText(completion));
    release(d, exchange);
    d.onFinish({
      ...where(exchange),
      status: 200,
      usage: completion.usage,
      latencyMs: Date.now() - started,
      streamed: false,
    });
    const headers = new Headers(d.headers());
    headers.set('content-type', 'application/json');
    headers.set('server-timing', d.timing.header());
    return new Response(JSON.stringify(completion), { status: 200, headers });
  } catch (err) {
    const error = asEcoError(err);
    d.onFinish({
      status: error.status,
      latencyMs: Date.now() - started,
      streamed: false,
      ...(isPoolRefusal(error) ? { refusedByPool: true } : {}),
    });
    throw withHeaders(error, d.headers());
  }
}

/**
 * A non-stream answer's text. With a declared length within bounds, the body is read natively in one
 * go; without one (chunked), chunk by chunk with the idle limit and the size bound enforced as it comes.
 */
function readCompletion(ex: OpenExchange): Promise<string> {
  const t = ex.target.pool.timeouts;
  const header = ex.response.headers.get('content-length');
  const declared = header === null ? Number.NaN : Number(header);
  if (declared >= 0 && declared <= MAX_COMPLETION_BODY)
    return ex.reader.wholeText(t.firstTokenMs, 'its time to first byte');
  return readAllText(ex.reader, t.firstTokenMs, t.idleMs, MAX_COMPLETION_BODY);
}

/** Streamed: relayed chunk by chunk; see StreamSession for what the client sees when. */
export function dispatchStream(d: Dispatch): Promise<Response> {
  const started = Date.now();
  return new Promise<Response>((resolve) => {
    // A record (names in lower case, as d.headers() gives them): the runtime builds the Headers once.
    const headers = (): Record<string, string> => ({
      ...d.headers(),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'server-timing': d.timing.header(),
    });
    // A cancelled body ends the attempt like a disconnect the request's signal reports.
    const gone = new AbortController();
    const options = {
      holdMs: d.holdMs,
      flushMs: d.flushMs,
      onClientGone: () => gone.abort(),
      ...(d.after ? { after: d.after } : {}),
    };
    const session = new StreamSession(headers, options, resolve);
    const ctx = { ...d, clientSignal: AbortSignal.any([d.clientSignal, gone.signal]) };
    // Once an origin has produced output, what it produced so far: spent even if the stream then fails.
    let produced: (() => Usage) | undefined;
    const run = withFailover(d.plan, ctx, build(d, true), (ex) =>
      relay(d, ex, session, started, (usage) => {
        produced = usage;
      }),
    );
    d.waitUntil(
      run.catch(async (err) => {
        const error = asEcoError(err);
        // A streamed answer never reaches the app's error handler: its configuration faults are logged here.
        logIfOperatorFault(error, { request_id: d.requestId, method: 'POST', endpoint: d.endpoint.name });
        await session.fail(withHeaders(error, d.headers()));
        d.onFinish({
          status: error.status,
          latencyMs: Date.now() - started,
          streamed: true,
          ...(produced ? { usage: produced() } : {}),
          ...(isPoolRefusal(error) ? { refusedByPool: true } : {}),
        });
      }),
    );
  });
}

const NO_EVENTS: readonly StreamEvent[] = [];

async function relay(
  d: Dispatch,
  ex: OpenExchange,
  session: StreamSession,
  started: number,
  onOutput: (usage: () => Usage) => void,
): Promise<void> {
  const t = ex.target.pool.timeouts;
  const decoder = d.endpoint.stream(ex.target, ex.call);
  const encoder = new ChunkEncoder({
    object: d.endpoint.chunkObject,
    id: `${d.endpoint.idPrefix}${d.requestId}`,
    model: d.clientModel,
    created: ex.call.created,
    includeUsage: ex.call.includeUsage,
    promptEstimate: d.promptEstimate,
  });
  const firstTokenBy = Date.now() + t.firstTokenMs;
  let held = '';
  let output = false;
  /** Seen by the client: from the request's start, queue and earlier attempts included. */
  let ttftMs: number | undefined;
  /** The origin's own: from this attempt's start, which is what its pool judges it by. */
  let originTtftMs: number | undefined;
  for (;;) {
    let chunk: Uint8Array | undefined;
    let events: readonly StreamEvent[];
    let plain: string | undefined;
    try {
      // The first token is due `firstTokenMs` after the response head, however many reads without
      // output (a role chunk, comments, usage) come before it.
      chunk = await (output
        ? ex.reader.read(t.idleMs, 'its idle limit')
        : ex.reader.read(Math.max(0, firstTokenBy - Date.now()), 'its time to first token', t.firstTokenMs));
      // Once output has started, a plain content event skips decoding (see StreamDecoder.plainContent).
      plain = output && chunk ? decoder.plainContent?.(chunk) : undefined;
      events = plain !== undefined ? NO_EVENTS : chunk ? decoder.push(chunk) : decoder.end();
    } catch (err) {
      throw output ? committedError(err) : err;
    }
    let text = plain === undefined ? '' : encoder.plainContent(plain);
    let ended = false;
    let failure: EcoError | undefined;
    const outputBefore = output;
    for (const event of events) {
      if (event.kind === 'error') {
        failure = fromErrorInfo(event.error);
        break;
      }
      if (event.kind === 'end') {
        ended = true;
        break;
      }
      if (!output && isOutput(event)) {
        output = true;
        const now = Date.now();
        ttftMs = now - started;
        originTtftMs = now - ex.startedAt;
      }
      text += encoder.encode(event);
    }
    if (failure) {
      ex.reader.cancel('error');
      // The client has seen nothing: the output of this read goes with the attempt, which fails over.
      if (!outputBefore) throw failure;
      // Events that came before the fault in the same read are the client's; then the error event. Not
      // at the body's end, where the last event had no frame end and may be cut.
      if (chunk) {
        try {
          session.write(text, true);
        } catch {}
      }
      throw committedError(failure);
    }
    if (output && !outputBefore) onOutput(() => encoder.usage());
    if (ended) text += encoder.finish();
    if (!output && !ended) {
      held += text;
      continue;
    }
    try {
      // The last write needs no room: the answer is whole and queued, the client reads it when it will.
      const behind = session.write(held + text, ended);
      if (behind) await clientWithinTotal(behind, ex.reader);
    } catch (err) {
      ex.reader.cancel('client closed');
      if (err instanceof EcoError) throw committedError(err);
      throw committedError(new EcoError(499, 'client_closed', 'The client closed the stream.'));
    }
    held = '';
    if (ended) {
      await session.close();
      ex.reader.cancel('done');
      const usage = encoder.usage();
      release(d, ex, originTtftMs);
      d.onFinish({
        ...where(ex),
        status: 200,
        usage,
        latencyMs: Date.now() - started,
        streamed: true,
        ...(ttftMs === undefined ? {} : { ttftMs }),
      });
      return;
    }
    if (!chunk) return; // unreachable: decoder.end() always yields `end` or `error`
  }
}

/**
 * Waits for a client that has fallen behind, within what is left of the request's total limit. A client
 * that stops reading but keeps its connection would otherwise hold the origin (held back by
 * backpressure), the pool's slot and the key's concurrency slot for as long as the connection lasts.
 */
async function clientWithinTotal(demand: Promise<void>, reader: OpenExchange['reader']): Promise<void> {
  const { leftMs, totalMs } = reader.totalLeft();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EcoError(
            408,
            'client_too_slow',
            `The client did not read the stream within the total time limit (${totalMs} ms).`,
          ),
        ),
      leftMs,
    );
  });
  try {
    await Promise.race([demand, expired]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function isOutput(event: StreamEvent): boolean {
  if (event.kind === 'chunk') return event.hasOutput;
  if (event.kind === 'delta') return Boolean(event.content || event.reasoning || event.toolCalls?.length);
  return event.kind === 'finish';
}

function where(ex: OpenExchange) {
  return { pool: ex.target.pool.name, origin: ex.admitted.lease.originId };
}

/**
 * A successful attempt's lease goes back with the origin's own latency and time to first token, counted
 * from the attempt's start: the request's queue wait and earlier attempts on other origins are not its.
 */
function release(d: Dispatch, ex: OpenExchange, ttftMs?: number) {
  const outcome = { kind: 'success', status: 200, latencyMs: Date.now() - ex.startedAt } as const;
  d.waitUntil(ex.admitted.release(ttftMs === undefined ? outcome : { ...outcome, ttftMs }).catch(() => {}));
}

function estimate(prompt: number, content: string): Usage {
  const completion = Math.ceil(content.length / 4);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    eco_estimated: true,
  };
}
