import type { AttachmentKind, ImEvent } from '../types.ts';
import { arr, envelope, id, type Json, malformed, notText, obj, str } from './json-shape.ts';

/**
 * Message types a person sends that the model cannot read; reactions, stickers and system notices
 * stay unanswered. `unsupported` is a type the Cloud API cannot show us at all.
 */
const MEDIA = new Set(['image', 'audio', 'video', 'document', 'location', 'contacts', 'unsupported']);

/** Message types whose object may carry a `caption`: text the model can read, and what it came with. */
const CAPTIONED = new Map<string, AttachmentKind>([
  ['image', 'photo'],
  ['video', 'video'],
  ['document', 'file'],
]);

/**
 * WhatsApp Cloud API notifications batch `entry[] × changes[] × messages[]`; every item is read.
 * Status receipts and non-text messages are acknowledged and ignored; a `failed` receipt (a reply Meta
 * accepted but could not deliver) and webhook `errors[]` are acknowledged as platform errors.
 */
export function parseWhatsApp(body: unknown): ImEvent[] {
  const entries = envelope(body, 'entry');
  if (!entries) return [malformed('not_a_webhook')];
  // One app secret signs WhatsApp, Page and Instagram webhooks alike: another product's body verifies
  // here too, and is no delivery for this bot.
  if (obj(body)?.object !== 'whatsapp_business_account') return [malformed('wrong_object')];
  const events: ImEvent[] = [];
  for (const entry of entries) {
    for (const change of arr(obj(entry)?.changes)) {
      const value = obj(obj(change)?.value);
      if (!value) continue;
      const channelId = str(obj(value.metadata)?.phone_number_id);
      for (const status of arr(value.statuses)) {
        const s = obj(status);
        const failed = s?.status === 'failed';
        events.push({
          eventId: `status:${str(s?.id) ?? ''}:${str(s?.status) ?? ''}`,
          kind: failed ? 'platform_error' : 'ignored',
          chatId: str(s?.recipient_id) ?? '',
          userId: '',
          timestampMs: Number(s?.timestamp ?? 0) * 1000 || 0,
          reason: failed ? `send_failed:${errorCode(s?.errors)}` : 'status',
        });
      }
      for (const error of arr(value.errors)) {
        events.push({
          eventId: '',
          kind: 'platform_error',
          chatId: '',
          userId: '',
          timestampMs: 0,
          reason: `error:${errorCode([error])}`,
        });
      }
      for (const item of arr(value.messages)) {
        const message = obj(item);
        const eventId = str(message?.id);
        if (!message || !eventId) {
          events.push(malformed(message ? 'no_event_id' : 'not_an_object', id(message?.from) ?? ''));
          continue;
        }
        const phone = id(message.from);
        // Business-scoped user ids key the conversation when present; the phone number addresses replies.
        const chatId = id(message.from_user_id) ?? phone ?? '';
        const base = {
          eventId,
          chatId,
          userId: chatId,
          address: phone ?? chatId,
          messageId: eventId,
          timestampMs: Number(message.timestamp ?? 0) * 1000 || 0,
          ...(channelId ? { channelId } : {}),
        };
        const type = str(message.type) ?? '';
        const attachment = CAPTIONED.get(type);
        const caption = attachment ? str(obj(message[type])?.caption) : undefined;
        const text =
          type === 'text'
            ? str(obj(message.text)?.body)
            : caption?.trim()
              ? caption
              : tappedText(type, message);
        if (chatId && type === 'request_welcome') {
          // A person opening the chat for the first time (the number's welcome message setting). It is
          // no message a reply could quote, so the welcome quotes nothing.
          const { messageId: _none, ...unquoted } = base;
          events.push({ ...unquoted, kind: 'text', text: '', signals: { greeting: true } });
        } else if (chatId && text === undefined && MEDIA.has(type)) {
          events.push(notText(base));
        } else if (!chatId || text === undefined || text.trim() === '') {
          events.push({ ...base, kind: 'ignored', reason: `type:${type || 'unknown'}` });
        } else {
          // A captioned photo or file: its caption is the question; the attachment goes unread.
          events.push({ ...base, kind: 'text', text, ...(caption ? { signals: { attachment } } : {}) });
        }
      }
    }
  }
  return events;
}

/**
 * A tap on a button or list row of a message sent to the person (an interactive reply, or a template's
 * quick-reply button): its title is what they chose, answered like typed text. The id or payload is
 * the sender's own code, read only when there is no title. A Flow's form answer (`nfm_reply`) is no
 * text to answer.
 */
function tappedText(type: string, message: Json): string | undefined {
  if (type === 'button') {
    const button = obj(message.button);
    return nonEmpty(str(button?.text)) ?? nonEmpty(str(button?.payload));
  }
  if (type !== 'interactive') return undefined;
  const interactive = obj(message.interactive);
  const kind = str(interactive?.type);
  if (kind !== 'button_reply' && kind !== 'list_reply') return undefined;
  const choice = obj(interactive?.[kind]);
  return nonEmpty(str(choice?.title)) ?? nonEmpty(str(choice?.id));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}

/** The first Graph error code of an `errors[]` list, for logs and the receipt's reason. */
function errorCode(errors: unknown): string {
  return id(obj(arr(errors)[0])?.code) ?? 'unknown';
}
