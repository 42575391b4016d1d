import type { ImEvent } from '../types.ts';

/** Tolerant readers for webhook JSON: a field of the wrong type reads as absent, never throws. */
export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Ids arrive as numbers (Telegram) or strings (everyone else); both become strings. */
export function id(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * The list under `key` of a webhook envelope, or undefined when the body is not that envelope: a signed
 * body without it is reported as one `malformed` event instead of passing for an empty delivery.
 */
export function envelope(body: unknown, key: string): unknown[] | undefined {
  const list = obj(body)?.[key];
  return Array.isArray(list) ? list : undefined;
}

/**
 * A person's message that the model cannot read (a photo, a voice note, a file): in a direct chat it
 * is answered with a note rather than met with silence, so it goes to the Conversation, with no text.
 */
export function notText<T extends Omit<ImEvent, 'kind' | 'text'>>(base: T): T & { kind: 'text'; text: '' } {
  return { ...base, kind: 'text', text: '' };
}

/** An item that cannot be acted on (no event id); counted as `malformed`, never answered. */
export function malformed(reason: string, chatId = ''): ImEvent {
  return { eventId: '', kind: 'malformed', chatId, userId: chatId, timestampMs: 0, reason };
}
