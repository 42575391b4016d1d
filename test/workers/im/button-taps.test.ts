import { describe, expect, it } from 'vitest';
import { plainGroupChatter } from '../../../workers/im/group-filter.ts';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import { drive, type FakeWorld, fakeWorld, type LogEntry, testBot } from './core-driver.ts';
import { lineBody, lineEvent, messengerBody } from './payloads.ts';

/** A WhatsApp notification carrying one message of any shape. */
function whatsapp(message: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: 'PN1' },
              messages: [{ from: '16505551234', id: 'wamid.T', timestamp: '1700000000', ...message }],
            },
          },
        ],
      },
    ],
  };
}

const context = { context: { from: '15550783881', id: 'wamid.BOTMSG' } };

/** A LINE postback event (a tap on a postback action). */
function linePostback(id: string, postback: Record<string, unknown>, groupId?: string) {
  const { message: _none, ...event } = lineEvent({ id, type: 'postback', ...(groupId ? { groupId } : {}) });
  return { ...event, postback };
}

const asked = (world: FakeWorld) =>
  world.log
    .filter((e): e is Extract<LogEntry, { kind: 'complete' }> => e.kind === 'complete')
    .map((e) => e.text);

describe('button and list taps are answered like typed text', () => {
  it('WhatsApp: a reply button, a list row and a template quick-reply button give their titles', () => {
    const events = [
      ...parseWhatsApp(
        whatsapp({
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: 'opt-yes', title: 'Yes, please' } },
          ...context,
        }),
      ),
      ...parseWhatsApp(
        whatsapp({
          type: 'interactive',
          interactive: {
            type: 'list_reply',
            list_reply: { id: 'row-2', title: 'Opening hours', description: 'When are you open?' },
          },
        }),
      ),
      ...parseWhatsApp(whatsapp({ type: 'button', button: { text: 'Track my order', payload: 'TRACK' } })),
      ...parseWhatsApp(whatsapp({ type: 'button', button: { text: '', payload: 'STOP' } })),
    ];
    expect(events.map((e) => [e.kind, e.text])).toEqual([
      ['text', 'Yes, please'],
      ['text', 'Opening hours'],
      ['text', 'Track my order'],
      ['text', 'STOP'],
    ]);
    // The reply quotes the tap, like any message.
    expect(events[0]).toMatchObject({ eventId: 'wamid.T', messageId: 'wamid.T', chatId: '16505551234' });
  });

  it('WhatsApp: a Flow answer or a tap with nothing in it is acknowledged, not answered', () => {
    const events = [
      ...parseWhatsApp(
        whatsapp({
          type: 'interactive',
          interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{"a":1}', body: 'Sent' } },
        }),
      ),
      ...parseWhatsApp(
        whatsapp({
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { title: ' ' } },
        }),
      ),
      ...parseWhatsApp(whatsapp({ type: 'interactive', interactive: 'button_reply' })),
      ...parseWhatsApp(whatsapp({ type: 'button', button: null })),
    ];
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['ignored', 'type:interactive'],
      ['ignored', 'type:interactive'],
      ['ignored', 'type:interactive'],
      ['ignored', 'type:button'],
    ]);
  });

  it('Messenger: a quick reply is answered with its title, or its payload when the title is missing', () => {
    const messaging = (mid: string, message: Record<string, unknown>) => ({
      sender: { id: 'PSID1' },
      recipient: { id: 'PAGE_ID' },
      timestamp: 1_700_000_000_000,
      message: { mid, ...message },
    });
    const events = parseMessenger(
      messengerBody([
        [
          messaging('mid.1', { text: 'Red', quick_reply: { payload: 'COLOR_RED' } }),
          messaging('mid.2', { quick_reply: { payload: 'user@example.com' } }),
        ],
      ]),
    );
    expect(events.map((e) => [e.kind, e.text])).toEqual([
      ['text', 'Red'],
      ['text', 'user@example.com'],
    ]);
  });

  it('LINE: a postback gives its data (with a picked date); a rich menu switch or empty data does not', () => {
    const events = parseLine(
      lineBody([
        linePostback('P1', { data: 'Show me the menu' }),
        linePostback('P2', { data: 'book', params: { datetime: '2026-12-01T19:00' } }),
        linePostback('P3', { data: 'menu-b', params: { newRichMenuAliasId: 'b', status: 'SUCCESS' } }),
        linePostback('P4', { data: '  ' }),
        { ...linePostback('P5', { data: 'x' }), mode: 'standby' },
      ]),
    );
    expect(events.map((e) => [e.kind, e.text ?? e.reason])).toEqual([
      ['text', 'Show me the menu'],
      ['text', 'book 2026-12-01T19:00'],
      ['ignored', 'postback'],
      ['ignored', 'postback'],
      ['ignored', 'standby'],
    ]);
    expect(events[0]?.replyToken).toBe('rt-P1');
  });

  it('LINE: a tap in a group is for the bot (its own button), so it is answered under `mentions`', async () => {
    const bot = testBot('line', 'taps');
    const events = parseLine(lineBody([linePostback('P6', { data: 'Opening hours' }, 'Ctaps')]));
    expect(plainGroupChatter(events[0]!, bot)).toBe(false);
    const world = fakeWorld();
    const result = await drive('line:taps:Ctaps', bot, events, world);
    expect(result.backlog).toBe(0);
    expect(asked(world)).toEqual(['Opening hours']);
  });
});
