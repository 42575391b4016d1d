import { runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConversationPorts } from '../../../durable-objects/conversation/ports.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import { drive, type FakeWorld, fakePorts, fakeWorld, ok, testBot, textEvent } from './core-driver.ts';
import { conversation } from './harness.ts';

// The history a chat's model calls are given holds the exchanges that took place: an answer that never
// reached the chat (refused for good, out of the platform's quota, given up for an apology) is taken
// back out, with the question it answered, so the model is not told of a reply nobody saw.

afterEach(() => vi.restoreAllMocks());

/** Ports recording the full conversation of every model call (the fake records only its last message). */
function recording(world: FakeWorld): { ports: ConversationPorts; calls: string[][] } {
  const base = fakePorts(world);
  const calls: string[][] = [];
  return {
    calls,
    ports: {
      ...base,
      complete: (call) => {
        calls.push(call.messages.map((m) => `${m.role}: ${String(m.content)}`));
        return base.complete(call);
      },
    },
  };
}

const refusedOnce = (status: number, body: unknown) => {
  let refused = false;
  return (request: OutboundRequest) => {
    if (refused || !request.url.includes('/sendMessage')) return ok();
    refused = true;
    return { status, body: JSON.stringify(body), headers: new Headers() };
  };
};

describe('an answer that never reached the chat', () => {
  it('refused for good is not in the history the next message is answered with', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const world = fakeWorld({
      respond: refusedOnce(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked' }),
    });
    const { ports, calls } = recording(world);
    const bot = testBot('telegram', 'undelivered-403');
    const chat = 'telegram:undelivered-403:c1';
    await drive(chat, bot, [textEvent('U1', 'c1', 'first question')], world, { ports });
    await drive(chat, bot, [textEvent('U2', 'c1', 'second question')], world, { ports });
    expect(calls).toHaveLength(2);
    const second = calls[1]!.join('\n');
    expect(second).toContain('second question');
    expect(second).not.toContain('first question');
    expect(second).not.toContain('answer to');
  });

  it('given up for an apology after failed sends is not in the history either', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    let failures = 0;
    const world = fakeWorld({
      respond: (request) => {
        // Every send of the answer fails; the apology (and later answers) go through.
        const body = JSON.parse(request.body) as { text?: string };
        if (request.url.includes('/sendMessage') && body.text?.startsWith('answer to first')) {
          failures++;
          return { status: 500, body: '{"ok":false}', headers: new Headers() };
        }
        return ok();
      },
    });
    const { ports, calls } = recording(world);
    const bot = testBot('telegram', 'undelivered-apology');
    const chat = 'telegram:undelivered-apology:c2';
    await drive(chat, bot, [textEvent('A1', 'c2', 'first question')], world, {
      ports,
      config: { maxAttempts: 2 },
    });
    expect(failures).toBe(2);
    await drive(chat, bot, [textEvent('A2', 'c2', 'second question')], world, { ports });
    expect(calls).toHaveLength(2);
    expect(calls[1]!.join('\n')).not.toContain('first question');
  });

  it("out of LINE's monthly quota is not in the history either", async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const spent = JSON.stringify({ message: 'You have reached your monthly limit.' });
    const world = fakeWorld({
      respond: (request) =>
        request.url.endsWith('/push') ? { status: 429, body: spent, headers: new Headers() } : ok(),
    });
    const { ports, calls } = recording(world);
    const bot = testBot('line', 'undelivered-quota');
    const chat = 'line:undelivered-quota:Uq';
    // Too old for its reply token: the answer must be pushed, and the push is refused.
    const stale = textEvent('Q1', 'Uq', 'first question', {
      replyToken: 'rt-1',
      timestampMs: world.now - 120_000,
    });
    await drive(chat, bot, [stale], world, { ports });
    const fresh = textEvent('Q2', 'Uq', 'second question', { replyToken: 'rt-2', timestampMs: world.now });
    await drive(chat, bot, [fresh], world, { ports });
    expect(calls).toHaveLength(2);
    expect(calls[1]!.join('\n')).not.toContain('first question');
  });

  it('taken back, leaves the history as it was, with what its append pushed out', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    let refuse = false;
    const world = fakeWorld({
      respond: (request) =>
        refuse && request.url.includes('/sendMessage')
          ? { status: 403, body: '{"ok":false,"error_code":403}', headers: new Headers() }
          : ok(),
    });
    const { ports, calls } = recording(world);
    const bot = testBot('telegram', 'undelivered-trim');
    const chat = 'telegram:undelivered-trim:c4';
    const config = { historyMessages: 2 };
    await drive(chat, bot, [textEvent('T1', 'c4', 'kept question')], world, { ports, config });
    refuse = true;
    await drive(chat, bot, [textEvent('T2', 'c4', 'unseen question')], world, { ports, config });
    refuse = false;
    await drive(chat, bot, [textEvent('T3', 'c4', 'third question')], world, { ports, config });
    expect(calls[2]).toEqual([
      'user: kept question',
      'assistant: answer to kept question',
      'user: third question',
    ]);
  });

  it('with no history kept (ECO_IM_HISTORY_MESSAGES 0), nothing of the exchange is stored', async () => {
    const world = fakeWorld();
    const bot = testBot('telegram', 'undelivered-none');
    const chat = 'telegram:undelivered-none:c5';
    await drive(chat, bot, [textEvent('N1', 'c5', 'a question')], world, { config: { historyMessages: 0 } });
    const rows = await runInDurableObject(
      conversation(chat),
      async (_instance, state) => state.storage.sql.exec('SELECT COUNT(*) AS n FROM history').one().n,
    );
    expect(rows).toBe(0);
  });

  it('an answer that did reach the chat stays in the history', async () => {
    const world = fakeWorld();
    const { ports, calls } = recording(world);
    const bot = testBot('telegram', 'undelivered-control');
    const chat = 'telegram:undelivered-control:c3';
    await drive(chat, bot, [textEvent('C1', 'c3', 'first question')], world, { ports });
    await drive(chat, bot, [textEvent('C2', 'c3', 'second question')], world, { ports });
    expect(calls[1]).toEqual([
      'user: first question',
      'assistant: answer to first question',
      'user: second question',
    ]);
  });
});
