import type { ImEvent, Platform } from '../types.ts';
import { parseLine } from './line.ts';
import { parseMessenger } from './messenger.ts';
import { parseTelegram } from './telegram.ts';
import { parseWhatsApp } from './whatsapp.ts';

export const parsers: Record<Platform, (body: unknown) => ImEvent[]> = {
  telegram: parseTelegram,
  whatsapp: parseWhatsApp,
  line: parseLine,
  messenger: parseMessenger,
};
