import { describe, expect, it, vi } from 'vitest';
import type { EnqueueResult } from '../../../durable-objects/conversation/core.ts';
import { HANDOVER_CONCURRENCY, handOver } from '../../../workers/im/hand-over.ts';
import type { BotConfig, ImEvent } from '../../../workers/im/types.ts';

const bot = { platform: 'whatsapp', id: 'batch' } as BotConfig;
const text = (chat: number, n = 0): ImEvent => ({
  eventId: `wamid.${chat}.${n}`,
  kind: 'text',
  chatId: String(chat),
  userId: String(chat),
  text: 'hi',
  timestampMs: 0,
});

/** A namespace whose enqueue calls wait until the test releases them, so calls in flight can be counted. */
function gatedNamespace(fail?: (chatKey: string) => boolean) {
  const waiting: (() => void)[] = [];
  const started: string[] = [];
  const state = { inFlight: 0, maxInFlight: 0, done: 0 };
  const namespace = {
    getByName: (name: string) => ({
      enqueue: async (chatKey: string, _bot: BotConfig, events: ImEvent[]): Promise<EnqueueResult> => {
        expect(chatKey).toBe(name);
        started.push(chatKey);
        state.inFlight++;
        state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
        await new Promise<void>((resolve) => waiting.push(resolve));
        state.inFlight--;
        state.done++;
        if (fail?.(chatKey)) throw new Error('storage unavailable');
        return { queued: events.length, duplicates: 0 };
      },
    }),
  };
  /** Release every waiting call until nothing is left waiting (later calls start as earlier ones end). */
  async function releaseAll() {
    for (let spins = 0; spins < 10_000; spins++) {
      const next = waiting.shift();
      if (next) next();
      await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
      if (waiting.length === 0 && state.inFlight === 0) return;
    }
  }
  return { namespace: namespace as never, state, started, releaseAll };
}

describe('webhook hand-over of a batch', () => {
  it(`keeps at most ${HANDOVER_CONCURRENCY} chats in flight and resolves only after every chat recorded`, async () => {
    const { namespace, state, releaseAll } = gatedNamespace();
    const events = Array.from({ length: 100 }, (_, i) => text(i)).concat(text(0, 1));
    let settled = false;
    const result = handOver(namespace, bot, events).finally(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(state.inFlight).toBe(HANDOVER_CONCURRENCY), { timeout: 4_000 });
    expect(settled).toBe(false);
    await releaseAll();
    expect(await result).toEqual({ queued: 101, duplicates: 0 });
    expect(state.done).toBe(100);
    expect(state.maxInFlight).toBe(HANDOVER_CONCURRENCY);
  });

  it('on a failed chat, starts no further chats, waits for those in flight, then fails', async () => {
    const { namespace, state, started, releaseAll } = gatedNamespace((key) => key.endsWith(':3'));
    const events = Array.from({ length: 60 }, (_, i) => text(i));
    const result = handOver(namespace, bot, events, 4).then(
      () => 'resolved',
      (err: Error) => err.message,
    );
    await releaseAll();
    expect(await result).toBe('storage unavailable');
    expect(state.inFlight).toBe(0);
    expect(started.length).toBeLessThan(60);
  });
});
