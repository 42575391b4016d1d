import { runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { postWebhook, seedBot } from './bots.ts';
import { backlog, conversation, counter, mockSendApi } from './harness.ts';
import { lineBody, lineEvent } from './payloads.ts';

const GROUP = 'Cchatter00000000000000000000000000';

beforeAll(async () => {
  await seedBot({
    platform: 'line',
    id: 'chatter',
    keyId: 'key_none',
    model: 'none',
    apiBase: 'http://line-chatter.test',
  });
});

describe('group chatter at the webhook', () => {
  it('is acknowledged and counted without waking the chat’s Conversation', async () => {
    const raw = JSON.stringify(
      lineBody([
        lineEvent({ id: 'C1', groupId: GROUP, text: 'morning all' }),
        lineEvent({ id: 'C2', groupId: GROUP, text: 'coffee?' }),
      ]),
    );
    const res = await postWebhook('line', 'chatter', raw);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ queued: 0, duplicates: 0, ignored: 2 });
    const stored = await runInDurableObject(conversation(`line:chatter:${GROUP}`), (_i, state) =>
      Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM seen').one().n),
    );
    // Not even its event ids were recorded.
    expect(stored).toBe(0);
    await vi.waitFor(
      async () =>
        expect(await counter('im_events_total', 'bot="chatter",kind="not_addressed",platform="line"')).toBe(
          2,
        ),
      { timeout: 5000, interval: 100 },
    );
  });

  it('lets the bot’s own arrival through: the group is told how to address it', async () => {
    const sent = mockSendApi('line-chatter.test');
    const group = 'Cchatter11111111111111111111111111';
    const raw = JSON.stringify(lineBody([lineEvent({ id: 'C3', type: 'join', groupId: group })]));
    expect(await (await postWebhook('line', 'chatter', raw)).json()).toMatchObject({ queued: 1 });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await vi.waitFor(async () => expect(await backlog(`line:chatter:${group}`)).toBe(0));
    expect(JSON.stringify(sent[0]!.body.messages)).toMatch(/mention me/);
  });
});
