import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Conversation } from '../../durable-objects/conversation/conversation.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { settings } from '../config/read-settings.ts';
import { decodeUtf8, readBodyBytes } from '../http/json-body.ts';
import { errorAnswer } from '../http/openapi-errors.ts';
import { apiBase, findBot, isBotId, secretValue } from '../im/bots.ts';
import { edgeTapAnswers, sendTapAnswers } from '../im/edge-taps.ts';
import { plainGroupChatter } from '../im/group-filter.ts';
import { handOver } from '../im/hand-over.ts';
import { imMetricsText } from '../im/metrics.ts';
import { parsers } from '../im/parse/index.ts';
import { countWebhook } from '../im/route-counters.ts';
import { type BotConfig, type ImEvent, isPlatform } from '../im/types.ts';
import { verifyWebhook } from '../im/verify/index.ts';
import { metaHandshake } from '../im/verify/meta.ts';
import { metricsSources } from '../metrics/registry.ts';

const PATH = '/webhooks/{platform}/{botId}';
const EVENT_COUNT = { type: 'integer' as const, minimum: 0 };
/**
 * The batch as handed over: events queued, already seen, acknowledged without a reply (including
 * failures the platform reports), unreadable.
 */
const WebhookAccepted = {
  type: 'object' as const,
  required: ['ok', 'queued', 'duplicates', 'ignored', 'malformed'],
  properties: {
    ok: { type: 'boolean' as const, enum: [true] },
    queued: EVENT_COUNT,
    duplicates: EVENT_COUNT,
    ignored: EVENT_COUNT,
    malformed: EVENT_COUNT,
  },
};
const params = [
  {
    name: 'platform',
    in: 'path' as const,
    required: true,
    schema: { type: 'string' as const, enum: ['telegram', 'whatsapp', 'line', 'messenger'] },
  },
  { name: 'botId', in: 'path' as const, required: true, schema: { type: 'string' as const } },
];

/**
 * IM webhooks. Registered before bearer auth: each request is verified with the bot's own platform
 * secret over the exact body bytes, every event of the batch is parsed, and text messages are handed
 * durably to their chat's Conversation before the platform gets its 200.
 */
export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>): void {
  // IM counters (D1, aggregated across chats and isolates) on GET /metrics.
  if (!metricsSources.includes(imMetricsText)) metricsSources.push(imMetricsText);
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: PATH,
    summary: 'Receive a platform webhook (Telegram, WhatsApp, LINE, Messenger)',
    description:
      'Verified with the platform signature of the bot; answers 200 once every event is durably queued.',
    parameters: params,
    responses: {
      200: {
        description: 'Accepted (including events that are acknowledged and ignored)',
        content: { 'application/json': { schema: WebhookAccepted } },
      },
      400: errorAnswer('The body is not UTF-8 JSON'),
      401: errorAnswer('Missing or invalid platform signature, or the bot secret is not configured'),
      404: errorAnswer('Unknown platform or bot'),
      413: errorAnswer('Body too large'),
      503: errorAnswer('The events could not be queued; the platform should deliver them again'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: PATH,
    summary: 'Meta subscription handshake (WhatsApp, Messenger)',
    parameters: params,
    responses: {
      200: {
        description: 'The hub.challenge, echoed',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      403: errorAnswer('Wrong verify token or mode'),
      404: errorAnswer('Unknown platform or bot'),
      405: errorAnswer('The bot is on a platform without a subscription handshake (POST only)'),
    },
  });

  app.get('/webhooks/:platform/:botId', async (c) => {
    const bot = await resolveBot(c);
    if (bot.platform !== 'whatsapp' && bot.platform !== 'messenger') {
      throw new EcoError(405, 'method_not_allowed', `${bot.platform} webhooks are POST only.`, {
        headers: { allow: 'POST' },
      });
    }
    const result = await metaHandshake(
      new URL(c.req.url).searchParams,
      secretValue(c.env, bot.verifyTokenName),
    );
    if (!result.ok) {
      if (result.reason === 'missing_secret')
        console.error('im verify token not configured', `${bot.platform}:${bot.id}`);
      throw new EcoError(403, 'verification_failed', 'The subscription handshake was refused.');
    }
    return c.text(result.challenge, 200);
  });

  app.post('/webhooks/:platform/:botId', async (c) => {
    const bot = await resolveBot(c);
    const count = (result: string) =>
      countWebhook(
        c.env.DB,
        (p) => c.executionCtx.waitUntil(p),
        (batch) => batch.add('im_webhook_requests_total', { platform: bot.platform, bot: bot.id, result }),
      );
    let raw: ArrayBuffer;
    try {
      raw = await readBodyBytes(c.req.raw, settings(c.env).ECO_IM_MAX_BODY_BYTES);
    } catch (err) {
      count('too_large');
      throw err;
    }
    const verified = await verifyWebhook(c.env, bot, c.req.raw.headers, raw);
    if (!verified.ok) {
      count(verified.reason);
      if (verified.reason === 'missing_secret') {
        // Never accept unsigned traffic because an operator forgot a secret; say so loudly.
        console.error('im webhook secret not configured', `${bot.platform}:${bot.id}`, bot.secretName);
      }
      throw new EcoError(401, 'invalid_signature', 'The webhook signature is missing or invalid.');
    }
    let text: string;
    try {
      text = decodeUtf8(raw, 'webhook body');
    } catch (err) {
      count('bad_json');
      throw err;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      count('bad_json');
      throw new EcoError(400, 'invalid_json', 'The webhook body is not valid JSON.');
    }
    const chatter = { count: 0 };
    const events = parsers[bot.platform](body).map((event) => {
      if (!plainGroupChatter(event, bot)) return event;
      chatter.count++;
      return { ...event, kind: 'ignored' as const, reason: 'not_addressed' };
    });
    answerTapsHere(c, bot, events);
    let handed: { queued: number; duplicates: number };
    try {
      handed = await handOver(
        c.env.CONVERSATION as unknown as DurableObjectNamespace<Conversation>,
        bot,
        events,
      );
    } catch (err) {
      // The platform redelivers (LINE only with redelivery switched on): counted, so a run of them shows.
      count('handover_failed');
      console.error('im hand-over failed', err);
      throw new EcoError(503, 'handover_failed', 'The events could not be queued; redeliver later.');
    }
    const { queued, duplicates } = handed;
    const ignored = events.filter((e) => e.kind === 'ignored').length;
    const left = events.filter((e) => e.kind === 'left').length;
    const malformed = events.filter((e) => e.kind === 'malformed').length;
    const platformErrors = events.filter((e) => e.kind === 'platform_error');
    if (malformed > 0) {
      console.warn('im malformed events', `${bot.platform}:${bot.id}`, malformed);
    }
    if (platformErrors.length > 0) {
      // A reply the platform accepted but could not deliver shows up only here: make it loud.
      console.error('im platform error', `${bot.platform}:${bot.id}`, {
        count: platformErrors.length,
        events: platformErrors.slice(0, 10).map((e) => ({ event: e.eventId, reason: e.reason })),
      });
    }
    countWebhook(
      c.env.DB,
      (p) => c.executionCtx.waitUntil(p),
      (batch) => {
        const labels = { platform: bot.platform, bot: bot.id };
        batch.add('im_webhook_requests_total', { ...labels, result: 'accepted' });
        batch.add('im_events_total', { ...labels, kind: 'queued' }, queued);
        batch.add('im_events_total', { ...labels, kind: 'duplicate' }, duplicates);
        batch.add('im_events_total', { ...labels, kind: 'ignored' }, ignored - chatter.count);
        batch.add('im_events_total', { ...labels, kind: 'not_addressed' }, chatter.count);
        batch.add('im_events_total', { ...labels, kind: 'malformed' }, malformed);
        batch.add('im_events_total', { ...labels, kind: 'platform_error' }, platformErrors.length);
        batch.add('im_events_total', { ...labels, kind: 'left' }, left);
      },
    );
    // Platform errors and removals are acknowledged without a reply, like ignored events, in what the
    // platform sees.
    return c.json(
      { ok: true, queued, duplicates, ignored: ignored + platformErrors.length + left, malformed },
      200,
    );
  });
}

/** Taps no Conversation will see are answered from here, so the person's spinner stops (see edge-taps.ts). */
function answerTapsHere(c: Context<AppEnv>, bot: BotConfig, events: ImEvent[]): void {
  const token = bot.platform === 'telegram' ? secretValue(c.env, bot.accessTokenName) : undefined;
  if (!token) return;
  const requests = edgeTapAnswers(events, apiBase(c.env, bot), token);
  if (requests.length === 0) return;
  c.executionCtx.waitUntil(
    sendTapAnswers(requests).then((failed) => {
      if (failed === 0) return;
      countWebhook(
        c.env.DB,
        (p) => c.executionCtx.waitUntil(p),
        (batch) => batch.add('im_indicator_failures_total', { platform: bot.platform, bot: bot.id }, failed),
      );
    }),
  );
}

/**
 * The bot a webhook names. Anyone may call these routes: a path that cannot name a bot (an unknown
 * platform, an id no stored bot can have: empty, over 256 characters, not printable ASCII) is answered 404 without a lookup, and without repeating it.
 */
async function resolveBot(c: Context<AppEnv>): Promise<BotConfig> {
  const platform = c.req.param('platform') ?? '';
  const botId = c.req.param('botId') ?? '';
  if (!isPlatform(platform) || !isBotId(botId))
    throw new EcoError(404, 'bot_not_found', 'No bot at this webhook path.');
  const bot = await findBot(c.env, platform, botId);
  if (!bot) throw new EcoError(404, 'bot_not_found', `No ${platform} bot '${botId}'.`);
  return bot;
}
