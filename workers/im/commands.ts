import { LOOP_PAUSE_MS } from './bot-loop.ts';
import type { AttachmentKind } from './types.ts';

/**
 * Chat commands. Telegram appends `@botname` in groups (`/model@eco_bot x`): that name is kept in
 * `addressedTo`, so the Conversation can tell a command for this bot from one for another bot.
 */
export type ChatCommand = (
  | { name: 'help' }
  | { name: 'reset' }
  | { name: 'model'; model: string | undefined }
  | { name: 'unknown'; command: string }
) & { addressedTo?: string };

export function parseCommand(text: string): ChatCommand | undefined {
  const match = /^\/([A-Za-z_]+)(?:@(\S+))?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  const to = match[2] ? { addressedTo: match[2] } : {};
  const arg = match[3]?.trim() || undefined;
  if (name === 'help' || name === 'start') return { name: 'help', ...to };
  if (name === 'reset') return { name: 'reset', ...to };
  if (name === 'model') return { name: 'model', model: arg?.split(/\s+/)[0], ...to };
  return { name: 'unknown', command: name, ...to };
}

export function helpText(model: string, inGroup = false): string {
  return [
    'Send a message and I answer with an AI model.',
    ...(inGroup ? ['In this group, mention me or reply to one of my messages and I answer.'] : []),
    '/reset clears the conversation history.',
    '/model shows the current model and the ones you can choose; /model <id> switches.',
    '/help shows this message.',
    `Current model: ${model}.`,
  ].join('\n');
}

/** How the notes about an attachment name it. */
const ATTACHMENT_NAMES: Record<AttachmentKind, string> = {
  photo: 'photo',
  video: 'video',
  audio: 'audio recording',
  voice: 'voice message',
  file: 'file',
  animation: 'animation',
  location: 'location',
  contact: 'contact',
  poll: 'poll',
  story: 'story',
  media: 'attachment',
};

export const MESSAGES = {
  reset: 'Conversation cleared. Start again whenever you like.',
  apology: 'Sorry, I could not answer that message right now. Please try again in a little while.',
  rateLimited: 'You are sending messages faster than I can answer. Please wait a moment and try again.',
  empty: 'I have no answer to that.',
  historyDropped:
    '(Our conversation had grown too long for the model, so I have forgotten the earlier messages and answered this one on its own.)',
  tooLong: 'Sorry, that message is too long for the model. Please send a shorter one.',
  textOnly: 'Sorry, I can only read text messages. Please type your question.',
  /** Sent once when a chat is paused as a loop with another automated account (see bot-loop.ts). */
  botLoop: `It looks like I am talking with another automated account, so I will stay quiet in this chat for ${LOOP_PAUSE_MS / 60_000} minutes. If that is wrong, send /reset.`,
  /** Shown over the chat when a game button is tapped (at most 200 characters). */
  tapGame: 'Sorry, this game is not available.',
  /** Shown when a button of a message shared in inline mode is tapped: no chat to answer it in. */
  tapInline: 'I cannot answer buttons on shared messages. Open a chat with me and ask there.',
  outOfBudget: 'Sorry, I have used up my allowance for answers for now. Please try again later.',
  botUnavailable:
    'Sorry, I cannot answer at the moment: my access to the AI model is switched off or not set up. Please let the people who run this bot know.',
  /** Starts an answer to the text sent with a photo or file. */
  attachmentNotRead: (kind: AttachmentKind) =>
    `(I can only read text, so I have not seen the ${ATTACHMENT_NAMES[kind]}: this answers the words sent with it.)`,
  /** What the model is told in place of the attachment, so it does not pretend to have seen it. */
  attachmentForModel: (kind: AttachmentKind) =>
    `[The user attached a ${ATTACHMENT_NAMES[kind]} here, which you cannot see; only the text below came with it.]`,
  unknownCommand: (command: string) => `Unknown command /${command}. Send /help for the list.`,
  modelSet: (model: string) => `Model set to ${model}.`,
  modelList: (current: string, models: string[]) =>
    `Current model: ${current}.\nAvailable: ${models.length > 0 ? models.join(', ') : '(none)'}.\nSend /model <id> to switch.`,
  modelUnknown: (model: string, models: string[]) =>
    `The model ${model} is not available here. Choose one of: ${models.length > 0 ? models.join(', ') : '(none)'}.`,
  modelUnavailable: (model: string) =>
    `The model ${model} is not available for this chat any more. Send /model to choose another.`,
} as const;
