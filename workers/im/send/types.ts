import type { Platform } from '../types.ts';

/** A send API call, built purely; the Conversation performs the fetch. */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** How many text parts this call delivers (LINE takes up to five per call, the others one). */
  parts: number;
  /** Overrides the send timeout (ECO_IM_SEND_TIMEOUT_MS) for calls nobody waits on long. */
  timeoutMs?: number;
}

/** Who to answer and how: everything a builder needs from the inbound event. */
export interface ReplyTarget {
  eventId: string;
  chatId: string;
  address?: string;
  messageId?: string;
  channelId?: string;
  replyToken?: string;
  threadId?: string;
  /** A group chat: commands this bot does not know are left to the group's other bots. */
  group?: boolean;
}

export interface SendInput {
  apiBase: string;
  token: string;
  target: ReplyTarget;
  /** The parts still to deliver, in order; a builder takes from the front. */
  parts: string[];
  /** Index of parts[0] in the whole reply: only the first part quotes the inbound message. */
  offset: number;
}

/** Longest text message each platform accepts. */
export const TEXT_LIMIT: Record<Platform, number> = {
  telegram: 4096,
  whatsapp: 4096,
  line: 5000,
  messenger: 2000,
};

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;
