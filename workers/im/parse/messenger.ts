import type { AttachmentKind, ImEvent } from '../types.ts';
import { arr, envelope, id, malformed, notText, obj, str } from './json-shape.ts';

/** Attachment types the model cannot read; stickers (images with a `sticker_id`) stay unanswered. */
const MEDIA = new Map<string, AttachmentKind>([
  ['image', 'photo'],
  ['audio', 'audio'],
  ['video', 'video'],
  ['file', 'file'],
  ['location', 'location'],
]);

/**
 * Messenger webhooks batch `entry[] × messaging[]`; every item is read. Echoes of the page's own
 * messages, deliveries, reads, edits, reactions, postbacks and attachments are acknowledged only.
 */
export function parseMessenger(body: unknown): ImEvent[] {
  const entries = envelope(body, 'entry');
  if (!entries) return [malformed('not_a_webhook')];
  // One app secret signs WhatsApp, Page and Instagram webhooks alike: an Instagram or WhatsApp body
  // verifies here too, and is no Messenger delivery.
  if (obj(body)?.object !== 'page') return [malformed('wrong_object')];
  const events: ImEvent[] = [];
  for (const entry of entries) {
    for (const item of arr(obj(entry)?.messaging)) {
      const messaging = obj(item);
      if (!messaging) {
        events.push(malformed('not_an_object'));
        continue;
      }
      const chatId = id(obj(messaging.sender)?.id) ?? '';
      const channelId = id(obj(messaging.recipient)?.id);
      const timestampMs = typeof messaging.timestamp === 'number' ? messaging.timestamp : 0;
      const message = obj(messaging.message);
      const mid = str(message?.mid);
      const base = { chatId, userId: chatId, timestampMs, ...(channelId ? { channelId } : {}) };
      if (message && !mid) {
        events.push(malformed('no_event_id', chatId));
        continue;
      }
      const postback = obj(messaging.postback);
      if (postback && chatId) {
        // The gateway sends no buttons: a postback is the Get Started button (or a menu the Page set
        // up), a person's first tap, answered with the welcome text.
        events.push({
          ...base,
          eventId: str(postback.mid) ?? `postback:${chatId}:${timestampMs}`,
          kind: 'text',
          text: '',
          signals: { greeting: true },
        });
        continue;
      }
      if (!message || !mid) {
        const kind = ['delivery', 'read', 'postback', 'reaction', 'message_edit', 'optin', 'referral'].find(
          (k) => k in messaging,
        );
        events.push({
          ...base,
          eventId: `${kind ?? 'other'}:${chatId}:${timestampMs}`,
          kind: 'ignored',
          reason: kind ?? 'other',
        });
        continue;
      }
      // A quick reply tapped arrives as a message with its title as `text`; its payload stands in
      // only where the title is missing.
      const quick = str(obj(message.quick_reply)?.payload);
      const typed = str(message.text);
      const text = typed?.trim() ? typed : quick?.trim() ? quick : typed;
      let reason: string | undefined;
      if (message.is_echo === true) reason = 'echo';
      else if (text === undefined || text.trim() === '') reason = 'attachment';
      else if (!chatId) reason = 'no_sender';
      const attachment = str(obj(arr(message.attachments)[0])?.type) ?? '';
      if (reason === 'attachment' && chatId && MEDIA.has(attachment) && message.sticker_id === undefined) {
        events.push(notText({ ...base, eventId: mid, messageId: mid }));
        continue;
      }
      if (reason !== undefined || text === undefined) {
        events.push({ ...base, eventId: mid, kind: 'ignored', reason: reason ?? 'unknown' });
        continue;
      }
      // Text sent with a photo or file: the text is answered, and the note says the attachment was not read.
      const media = arr(message.attachments)
        .map((a) => MEDIA.get(str(obj(a)?.type) ?? ''))
        .find((kind) => kind !== undefined);
      events.push({
        ...base,
        eventId: mid,
        kind: 'text',
        text,
        messageId: mid,
        ...(media && message.sticker_id === undefined ? { signals: { attachment: media } } : {}),
      });
    }
  }
  return events;
}
