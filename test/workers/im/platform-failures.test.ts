import { describe, expect, it, vi } from 'vitest';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import { postWebhook, seedBot } from './bots.ts';
import { counter } from './harness.ts';
import { whatsappBatch } from './payloads.ts';

/** A WhatsApp `failed` receipt, as Meta sends it when a message it accepted could not be delivered. */
function failedReceipt(wamid: string, code: number) {
  const body = whatsappBatch([], [{ id: wamid, status: 'failed', recipient: '16505551234' }]);
  const status = (body.entry[0]!.changes[0]!.value.statuses as Record<string, unknown>[])[0]!;
  status.errors = [{ code, title: 'Re-engagement message' }];
  return body;
}

const kindsAndReasons = (events: { kind: string; reason?: string }[]) =>
  events.map((e) => [e.kind, e.reason]);

describe('failures the platform reports are visible, not acknowledged as nothing', () => {
  it('WhatsApp: a failed delivery receipt and a webhook error are platform errors; other receipts are ignored', () => {
    const body = failedReceipt('wamid.F', 131047);
    const value = body.entry[0]!.changes[0]!.value as Record<string, unknown>;
    (value.statuses as unknown[]).push({ id: 'wamid.R', status: 'read', recipient_id: '1', timestamp: '1' });
    value.errors = [{ code: 131051, title: 'Unsupported message type' }];
    expect(kindsAndReasons(parseWhatsApp(body))).toEqual([
      ['platform_error', 'send_failed:131047'],
      ['ignored', 'status'],
      ['platform_error', 'error:131051'],
    ]);
  });

  it('a signed body without the platform envelope (entry[] / events[]) is malformed, not zero events', () => {
    for (const body of [null, 1, 'x', {}, { entry: 'x' }, { entry: {} }]) {
      expect(kindsAndReasons(parseWhatsApp(body))).toEqual([['malformed', 'not_a_webhook']]);
      expect(kindsAndReasons(parseMessenger(body))).toEqual([['malformed', 'not_a_webhook']]);
    }
    for (const body of [null, 1, {}, { events: 'x' }, { destination: 'U1' }]) {
      expect(kindsAndReasons(parseLine(body))).toEqual([['malformed', 'not_a_webhook']]);
    }
    // The envelope with nothing in it stays an empty (and valid) delivery: LINE's Verify, Meta's other fields.
    expect(parseLine({ destination: 'U1', events: [] })).toEqual([]);
    expect(parseWhatsApp({ object: 'whatsapp_business_account', entry: [] })).toEqual([]);
    expect(parseMessenger({ object: 'page', entry: [{ id: 'PAGE', changes: [] }] })).toEqual([]);
  });

  it('the route acknowledges a failed receipt with 200, logs it and counts it as a platform error', async () => {
    await seedBot({ platform: 'whatsapp', id: 'receipts', keyId: 'key_none', model: 'none' });
    const labels = 'bot="receipts",kind="platform_error",platform="whatsapp"';
    const before = await counter('im_events_total', labels);
    const logged = vi.spyOn(console, 'error');
    const res = await postWebhook('whatsapp', 'receipts', JSON.stringify(failedReceipt('wamid.G', 131047)));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, queued: 0 });
    expect(logged.mock.calls.some((c) => String(c[0]).includes('im platform error'))).toBe(true);
    expect(JSON.stringify(logged.mock.calls)).toContain('send_failed:131047');
    await vi.waitFor(async () => expect(await counter('im_events_total', labels)).toBe(before + 1), {
      timeout: 3000,
    });
  });
});
