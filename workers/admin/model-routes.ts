import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ModelConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { aliasesOf, modelRowTag } from '../data/stored-model.ts';
import { validationError } from '../http/validation.ts';
import { requireScope } from '../middleware/auth.ts';
import { botsNaming } from './bot-store.ts';
import {
  checkModel,
  createModel,
  deleteModel,
  findStoredModel,
  getModel,
  getModelAndRow,
  listStoredModels,
  modelExists,
  type StoredModel,
  updateModelIfUnchanged,
} from './config-store.ts';
import { readJsonObjectBody } from './json-object-body.ts';
import { mergePatch, patchUntilWritten, writeConflict } from './merge-patch.ts';
import { entityTag, parseIfMatch, requireMatch } from './preconditions.ts';
import {
  adminErrors,
  BAD_IF_MATCH,
  BODY_ERRORS,
  IfMatchHeader,
  jsonDoc,
  PRECONDITION_FAILED,
} from './route-docs.ts';
import { refuseUnknownFields } from './unknown-fields.ts';

const NOT_FOUND = 'Unknown model';
const WRITE_ERRORS = {
  ...BODY_ERRORS,
  400: 'Malformed JSON, a field that does not validate, or a route to a pool that does not exist',
};
const IdParam = z.object({ id: z.string() });
/** A model as stored: valid, or as it is with `problems` saying why a write of it would be refused. */
const ModelView = z
  .union([
    ModelConfig,
    z
      .object({
        problems: z.array(z.string()).openapi({
          description: 'Why a write of this row would be refused; fix it with PATCH, or delete it.',
        }),
      })
      .catchall(z.unknown())
      .openapi({
        description: 'The stored model as it is, when `problems` says why it would not be accepted now.',
      }),
  ])
  .openapi('ModelView');

function body(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  return readJsonObjectBody(c.req.raw, 64 * 1024);
}

const NAME_MAX = 256;

/**
 * What a write must also satisfy (rows already stored are read with ModelConfig alone, so that these
 * rules never hide a model from the registry): names that resolve to exactly one model, and engine
 * model names that an engine can be sent.
 */
const ModelWrite = ModelConfig.superRefine((model, ctx) => {
  const seen = new Set<string>([model.id]);
  model.aliases.forEach((alias, i) => {
    const problem =
      alias.trim() === ''
        ? 'an alias cannot be empty'
        : alias.length > NAME_MAX
          ? `an alias has at most ${NAME_MAX} characters`
          : alias === model.id
            ? "an alias cannot repeat the model's id"
            : seen.has(alias)
              ? `'${alias}' is listed twice`
              : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['aliases', i], message: problem });
    seen.add(alias);
  });
  model.routes.forEach((route, i) => {
    if (route.engineModel.trim() === '' || route.engineModel.length > NAME_MAX)
      ctx.addIssue({
        code: 'custom',
        path: ['routes', i, 'engineModel'],
        message: `the engine's model name, 1 to ${NAME_MAX} characters`,
      });
  });
});

/**
 * A bot's default model was checked when the bot was written; deleting the model, or dropping the
 * name the bot uses, would leave a bot that can never answer. Change or delete those bots first.
 */
async function refuseIfBotsName(c: Context<AppEnv>, id: string, names: string[], param: string | null) {
  const users = await botsNaming(c.env.DB, names);
  if (users.length > 0)
    throw new EcoError(
      409,
      'model_in_use',
      `Model '${id}' is the default model (as ${names.map((n) => `'${n}'`).join(' or ')}) of bot ${users.join(', ')}; change those bots first.`,
      { param },
    );
}

/** A row that no longer validates carries `problems`, saying why a write of it would be refused. */
function storedModelBody(stored: StoredModel) {
  return stored.problems ? { ...stored.model, problems: stored.problems } : stored.model;
}

function parseModel(raw: unknown): ModelConfig {
  refuseUnknownFields(ModelConfig, raw);
  const parsed = ModelWrite.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** /admin/models: the registry's models, their aliases, ordered pool chains, capabilities, context length. */
export function registerAdminModelRoutes(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  const base = { security: [{ bearer: [] }], tags: ['admin: models'] };
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/models',
    summary: 'List models',
    responses: {
      200: jsonDoc(z.object({ object: z.literal('list'), data: z.array(ModelView) }), 'Models'),
      ...adminErrors(),
    },
  });
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/models/{id}',
    summary: 'One model',
    request: { params: IdParam },
    responses: {
      200: jsonDoc(ModelView, 'The model, its entity tag in `ETag`'),
      ...adminErrors({ 404: NOT_FOUND }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/models',
    summary: 'Create a model (409 when the id or an alias is taken)',
    request: { body: { content: { 'application/json': { schema: ModelConfig } } } },
    responses: {
      201: jsonDoc(ModelConfig, 'Created'),
      ...adminErrors({
        ...WRITE_ERRORS,
        409:
          "The id exists (model_exists), the id or an alias is another model's (model_name_taken), or its " +
          'pools or names changed while it was written (write_conflict)',
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'patch',
    path: '/admin/models/{id}',
    summary: 'Change a model (arrays such as routes and aliases replace whole)',
    request: {
      params: IdParam,
      headers: IfMatchHeader,
      body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } },
    },
    responses: {
      200: jsonDoc(ModelConfig, 'Updated'),
      ...adminErrors({
        ...WRITE_ERRORS,
        404: NOT_FOUND,
        409:
          "An alias is another model's (model_name_taken), a dropped alias is a bot's default model " +
          '(model_in_use), or other writes of the model kept committing first (write_conflict)',
        412: PRECONDITION_FAILED,
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'delete',
    path: '/admin/models/{id}',
    summary: 'Delete a model',
    request: { params: IdParam, headers: IfMatchHeader },
    responses: {
      200: jsonDoc(z.object({ id: z.string(), deleted: z.literal(true) }), 'Deleted'),
      ...adminErrors({
        400: BAD_IF_MATCH,
        404: NOT_FOUND,
        412: PRECONDITION_FAILED,
        409: "The model is a bot's default model (model_in_use), or it changed while it was deleted (write_conflict)",
      }),
    },
  });

  const admin = requireScope('admin');
  const actor = (c: Context<AppEnv>) => c.get('principal').keyId;
  // Model ids may contain slashes (`org/model`), so the id takes the rest of the path.
  app.get('/admin/models', admin, async (c) =>
    c.json({ object: 'list', data: (await listStoredModels(c.env.DB)).map(storedModelBody) }),
  );
  app.get('/admin/models/:id{.+}', admin, async (c) => {
    const id = c.req.param('id');
    const stored = await findStoredModel(c.env.DB, id);
    if (!stored) throw modelNotFound(id);
    c.header('etag', entityTag(await modelRowTag(stored.row)));
    return c.json(storedModelBody(stored));
  });

  app.post('/admin/models', admin, async (c) => {
    const model = parseModel(await body(c));
    const exists = await getModel(c.env.DB, model.id).then(
      () => true,
      () => false,
    );
    if (exists) throw modelExists(model.id);
    await checkModel(c.env.DB, model);
    await createModel(c.env.DB, model, {
      actorKeyId: actor(c),
      action: 'model.create',
      target: model.id,
      detail: { model },
    });
    return c.json(await writtenModel(c, model.id), 201);
  });

  app.patch('/admin/models/:id{.+}', admin, async (c) => {
    const id = c.req.param('id');
    const condition = parseIfMatch(c.req.header('if-match'));
    const patch = await body(c);
    const model = await patchUntilWritten('model', id, async () => {
      const { model: current, stored } = await getModelAndRow(c.env.DB, id);
      // Checked on every try: a write that lands between the read and this write changes the tag.
      requireMatch(condition, await modelRowTag(stored), `model '${id}'`);
      if ('id' in patch && patch.id !== current.id)
        throw new EcoError(400, 'invalid_request', 'A model id cannot change; create a new model.', {
          param: 'id',
        });
      const next = parseModel(mergePatch(current as unknown as Record<string, unknown>, patch));
      const dropped = aliasesOf(current).filter((a) => !next.aliases.includes(a));
      await refuseIfBotsName(c, next.id, dropped, 'aliases');
      await checkModel(c.env.DB, next);
      const written = await updateModelIfUnchanged(c.env.DB, next, stored, {
        actorKeyId: actor(c),
        action: 'model.update',
        target: next.id,
        detail: { patch },
      });
      return written ? next : undefined;
    });
    return c.json(await writtenModel(c, model.id));
  });

  app.delete('/admin/models/:id{.+}', admin, async (c) => {
    const id = c.req.param('id');
    const condition = parseIfMatch(c.req.header('if-match'));
    const stored = await findStoredModel(c.env.DB, id);
    if (condition) {
      if (!stored) throw modelNotFound(id);
      requireMatch(condition, await modelRowTag(stored.row), `model '${id}'`);
    }
    await refuseIfBotsName(c, id, [id, ...(stored ? aliasesOf(stored.model) : [])], null);
    const audit = { actorKeyId: actor(c), action: 'model.delete', target: id };
    if (!(await deleteModel(c.env.DB, id, audit, condition?.any === false ? stored?.row : undefined))) {
      // A bot named the model since the check above (or its aliases changed): say which, as above.
      const now = await findStoredModel(c.env.DB, id);
      if (!now) throw modelNotFound(id);
      if (condition) requireMatch(condition, await modelRowTag(now.row), `model '${id}'`);
      await refuseIfBotsName(c, id, [id, ...aliasesOf(now.model)], null);
      throw writeConflict('model', id);
    }
    return c.json({ id, deleted: true as const });
  });
}

function modelNotFound(id: string): EcoError {
  return new EcoError(404, 'model_not_found', `No model with id '${id}'.`);
}

/** The model as just written, with its entity tag in `ETag`. */
async function writtenModel(c: Context<AppEnv>, id: string): Promise<ModelConfig> {
  const { model, stored } = await getModelAndRow(c.env.DB, id);
  c.header('etag', entityTag(await modelRowTag(stored)));
  return model;
}
