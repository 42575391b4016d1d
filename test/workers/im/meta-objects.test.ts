import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import { postWebhook, seedBot } from './bots.ts';
import { counter } from './harness.ts';
import { messengerBody, messengerMessaging, whatsappBatch } from './payloads.ts';

// One Meta app secret signs WhatsApp, Page and Instagram webhooks alike, so a signature says nothing
// about which product a body is for; its `object` does.
const pageText = () => messengerBody([[messengerMessaging({ mid: 'm_obj1', psid: 'PSID_OBJ', text: 'hi' })]]);
const instagramText = () => ({
  ...messengerBody([[messengerMessaging({ mid: 'm_ig1', psid: 'IGSID_OBJ', text: 'hi' })]]),
  object: 'instagram',
});
const whatsappText = () => whatsappBatch([{ id: 'wamid.OBJ', from: '16505550000', text: 'hi' }]);

const kindsAndReasons = (events: { kind: string; reason?: string }[]) =>
  events.map((e) => [e.kind, e.reason]);

describe("a Meta body of another product than the bot's", () => {
  beforeAll(async () => {
    await seedBot({ platform: 'whatsapp', id: 'objects', keyId: 'key_none', model: 'none' });
    await seedBot({ platform: 'messenger', id: 'objects', keyId: 'key_none', model: 'none' });
  });

  it('parses as one malformed event: a Page or Instagram body for WhatsApp, an Instagram or WhatsApp body for Messenger', () => {
    const wrong = [['malformed', 'wrong_object']];
    expect(kindsAndReasons(parseWhatsApp(pageText()))).toEqual(wrong);
    expect(kindsAndReasons(parseWhatsApp(instagramText()))).toEqual(wrong);
    expect(kindsAndReasons(parseMessenger(instagramText()))).toEqual(wrong);
    expect(kindsAndReasons(parseMessenger(whatsappText()))).toEqual(wrong);
    expect(kindsAndReasons(parseMessenger({ entry: [] }))).toEqual(wrong);
    // The bot's own product still reads as before.
    expect(kindsAndReasons(parseWhatsApp(whatsappText()))).toEqual([['text', undefined]]);
    expect(kindsAndReasons(parseMessenger(pageText()))).toEqual([['text', undefined]]);
  });

  it('is acknowledged and counted as malformed by the WhatsApp route, not as an empty delivery', async () => {
    const labels = 'bot="objects",kind="malformed",platform="whatsapp"';
    const before = await counter('im_events_total', labels);
    const res = await postWebhook('whatsapp', 'objects', JSON.stringify(pageText()));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, queued: 0, malformed: 1 });
    await vi.waitFor(async () => expect(await counter('im_events_total', labels)).toBe(before + 1), {
      timeout: 3000,
    });
  });

  it('is not queued as Messenger messages by the Messenger route', async () => {
    const res = await postWebhook('messenger', 'objects', JSON.stringify(instagramText()));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, queued: 0, ignored: 0, malformed: 1 });
  });
});
