import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { StreamSession } from '../../../workers/dispatch/stream-session.ts';

const decoder = new TextDecoder();

function open(flushMs: number, holdMs = 5000) {
  let resolve!: (r: Response) => void;
  const response = new Promise<Response>((r) => {
    resolve = r;
  });
  const session = new StreamSession(
    () => new Headers({ 'content-type': 'text/event-stream' }),
    { holdMs, flushMs },
    resolve,
  );
  return { session, response };
}

async function reader(response: Promise<Response>) {
  const res = await response;
  const r = res.body!.getReader();
  return {
    status: res.status,
    next: async () => {
      const { value, done } = await r.read();
      return done ? undefined : decoder.decode(value);
    },
  };
}

describe('stream session', () => {
  it('sends the first output at once and commits 200 with it', async () => {
    const { session, response } = open(50);
    session.write('data: a\n\n');
    const r = await reader(response);
    expect(r.status).toBe(200);
    expect(await r.next()).toBe('data: a\n\n');
  });

  it('events that follow within the flush window leave together, in order', async () => {
    const { session, response } = open(20);
    session.write('data: a\n\n');
    session.write('data: b\n\n');
    session.write('data: c\n\n');
    const r = await reader(response);
    expect(await r.next()).toBe('data: a\n\n');
    expect(await r.next()).toBe('data: b\n\ndata: c\n\n');
  });

  it('with a zero window every event is its own write', async () => {
    const { session, response } = open(0);
    session.write('data: a\n\n');
    session.write('data: b\n\n');
    const r = await reader(response);
    expect(await r.next()).toBe('data: a\n\n');
    expect(await r.next()).toBe('data: b\n\n');
  });

  it('close and fail send what is pending first; a failure after the commit ends without [DONE]', async () => {
    const { session, response } = open(1000);
    session.write('data: a\n\n');
    session.write('data: b\n\n');
    await session.fail(new EcoError(502, 'origin_stream_broken', 'broke'));
    const r = await reader(response);
    let text = '';
    for (let part = await r.next(); part !== undefined; part = await r.next()) text += part;
    expect(text).toMatch(/^data: a\n\ndata: b\n\ndata: \{"error":\{"message":"broke"/);
    expect(text).not.toContain('[DONE]');
  });

  it('a failure before any output is a real error response', async () => {
    const { session, response } = open(1);
    await session.fail(new EcoError(503, 'origin_unavailable', 'none'));
    const res = await response;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_unavailable');
  });

  it('makes the writer wait once a slow client has fallen behind, and lets it go when the client reads', async () => {
    const { session, response } = open(0);
    let behind: Promise<void> | undefined;
    let writes = 0;
    while (!behind && writes < 100) behind = session.write(`data: ${writes++}\n\n`);
    expect(behind).toBeDefined();
    expect(writes).toBeLessThan(100);
    let released = false;
    void behind!.then(() => {
      released = true;
    });
    const r = await reader(response);
    for (let i = 0; i < writes; i++) expect(await r.next()).toBe(`data: ${i}\n\n`);
    expect(released).toBe(false);
    // The runtime asks for more once the client waits on an empty queue: then the writer goes on.
    const waiting = r.next();
    await behind;
    expect(released).toBe(true);
    await session.close();
    expect(await waiting).toBeUndefined();
  });
});
