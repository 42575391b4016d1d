import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { BotConfig } from '../../schemas/bot-config.ts';
import { EcoError } from '../../schemas/errors.ts';
import {
  checkBotReferences,
  deleteBot,
  getBot,
  listBots,
  type StoredBot,
  saveBot,
} from '../admin/bot-store.ts';
import { getBotAndRow, updateBotIfUnchanged } from '../admin/bot-update.ts';
import { mergePatch, patchUntilWritten, writeConflict } from '../admin/merge-patch.ts';
import { adminErrors, BODY_ERRORS, jsonDoc, storedAsIs } from '../admin/route-docs.ts';
import type { AppEnv } from '../app-env.ts';
import type { Env } from '../env.ts';
import { validationError } from '../http/validation.ts';
import { botApiBaseIssue, secretValue } from '../im/bots.ts';
import { requireScope } from '../middleware/auth.ts';
import { readAdminBody } from './admin-pools.ts';

const NOT_FOUND = 'Unknown bot';
const BotView = z
  .object({
    config: z.union([BotConfig, storedAsIs('bot')]),
    /** Where the platform must deliver this bot's webhooks. */
    webhookPath: z.string(),
    /** Whether each secret the bot names is set in this deployment (values are never shown). */
    secretsSet: z.record(z.string(), z.boolean()),
    createdAt: z.number(),
    /** Present when the stored row would not be accepted as written now; fix it with POST or PATCH. */
    problems: z.array(z.string()).optional(),
  })
  .openapi('BotView');
const BotParams = z.object({ platform: z.string(), id: z.string() });

function parseBot(raw: unknown): BotConfig {
  const parsed = BotConfig.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  // The send API base gets the rule the ECO_*_API_BASE settings get: the bot's token is sent there.
  const issue = parsed.data.apiBase === null ? null : botApiBaseIssue(parsed.data.apiBase);
  if (issue !== null)
    throw new EcoError(
      400,
      'invalid_request',
      `Invalid value for 'apiBase': not an absolute http(s) URL without query or fragment (${issue}).`,
      { param: 'apiBase' },
    );
  return parsed.data;
}

function view(env: Env, stored: StoredBot) {
  const { config } = stored;
  const names = [config.secretName, config.accessTokenName, config.verifyTokenName].filter(
    (n): n is string => typeof n === 'string',
  );
  return {
    config,
    webhookPath: `/webhooks/${config.platform}/${config.id}`,
    secretsSet: Object.fromEntries(names.map((n) => [n, secretValue(env, n) !== undefined])),
    createdAt: stored.createdAt,
    ...(stored.problems ? { problems: stored.problems } : {}),
  };
}

const actor = (c: Context<AppEnv>) => c.get('principal').keyId;

/** IM bots: the rows webhooks are routed by, managed with audit instead of SQL. */
export function registerAdminBotRoutes(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  const base = { security: [{ bearer: [] }], tags: ['admin: IM bots'] };
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/bots',
    summary: 'List IM bots',
    responses: {
      200: jsonDoc(z.object({ object: z.literal('list'), data: z.array(BotView) }), 'Bots'),
      ...adminErrors(),
    },
  });
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/bots/{platform}/{id}',
    summary: 'One IM bot, with its webhook path and whether its secrets are set',
    request: { params: BotParams },
    responses: { 200: jsonDoc(BotView, 'The bot'), ...adminErrors({ 404: NOT_FOUND }) },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/bots',
    summary: 'Create or replace an IM bot (secrets by NAME only)',
    request: { body: { content: { 'application/json': { schema: BotConfig } } } },
    responses: {
      200: jsonDoc(BotView, 'Replaced'),
      201: jsonDoc(BotView, 'Created'),
      ...adminErrors({
        ...BODY_ERRORS,
        400: 'Malformed JSON, a field that does not validate, or a billing key or default model that is not usable',
        409: 'The bot changed while it was written (write_conflict)',
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'patch',
    path: '/admin/bots/{platform}/{id}',
    summary: 'Change some fields of an IM bot (settings merge)',
    request: {
      params: BotParams,
      body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
    responses: {
      200: jsonDoc(BotView, 'Updated'),
      ...adminErrors({
        ...BODY_ERRORS,
        400: 'Malformed JSON, a field that does not validate or cannot change, or a billing key or default model that is not usable',
        404: NOT_FOUND,
        409: 'Other writes of the bot kept committing first (write_conflict)',
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'delete',
    path: '/admin/bots/{platform}/{id}',
    summary: 'Delete an IM bot (its webhooks then answer 404)',
    request: { params: BotParams },
    responses: {
      200: jsonDoc(z.object({ platform: z.string(), id: z.string(), deleted: z.literal(true) }), 'Deleted'),
      ...adminErrors({ 404: NOT_FOUND }),
    },
  });

  const admin = requireScope('admin');

  app.get('/admin/bots', admin, async (c) => {
    const stored = await listBots(c.env.DB);
    return c.json({ object: 'list', data: stored.map((b) => view(c.env, b)) });
  });

  app.get('/admin/bots/:platform/:id', admin, async (c) => {
    const { platform, id } = c.req.param();
    return c.json(view(c.env, await getBot(c.env.DB, platform, id)));
  });

  app.post('/admin/bots', admin, async (c) => {
    const config = parseBot(await readAdminBody(c));
    await checkBotReferences(c.env.DB, config);
    const saved = await saveBot(c.env.DB, config, actor(c));
    if (!saved) {
      // The billing key went away between the check and the write: the check says so (400 key_not_found).
      await checkBotReferences(c.env.DB, config);
      throw writeConflict('bot', `${config.platform}/${config.id}`);
    }
    return c.json(view(c.env, { config, createdAt: saved.createdAt }), saved.created ? 201 : 200);
  });

  app.patch('/admin/bots/:platform/:id', admin, async (c) => {
    const { platform, id } = c.req.param();
    const patch = await readAdminBody(c);
    const target = `${platform}/${id}`;
    // Applied to the bot as it is when written: a write committed in between is built on, not lost.
    const written = await patchUntilWritten('bot', target, async () => {
      const { bot: current, stored } = await getBotAndRow(c.env.DB, platform, id);
      for (const field of ['platform', 'id'] as const) {
        if (field in patch && patch[field] !== current.config[field])
          throw new EcoError(400, 'invalid_request', `A bot's ${field} cannot change; create a new bot.`, {
            param: field,
          });
      }
      const config = parseBot(mergePatch(current.config as unknown as Record<string, unknown>, patch));
      await checkBotReferences(c.env.DB, config);
      const audit = { actorKeyId: actor(c), action: 'bot.update', target, detail: { patch } };
      if (!(await updateBotIfUnchanged(c.env.DB, config, stored, audit))) return undefined;
      return { config, createdAt: current.createdAt };
    });
    return c.json(view(c.env, written));
  });

  app.delete('/admin/bots/:platform/:id', admin, async (c) => {
    const { platform, id } = c.req.param();
    await deleteBot(c.env.DB, platform, id, {
      actorKeyId: actor(c),
      action: 'bot.delete',
      target: `${platform}/${id}`,
    });
    return c.json({ platform, id, deleted: true as const });
  });
}
