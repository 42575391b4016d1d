import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ModelConfig } from '../../schemas/config.ts';
import type { AppEnv } from '../app-env.ts';
import { registry } from '../data/registry.ts';
import { credentialErrors, errorAnswer } from '../http/openapi-errors.ts';
import { modelForKey, modelNotFound } from '../pipeline/model-for-key.ts';
import { mayUseModel, type Principal } from '../principal.ts';

const ModelObject = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    aliases: z.array(z.string()),
    capabilities: z.array(z.string()),
    context_length: z.number().int(),
    pools: z.array(z.string()).openapi({ description: 'The fallback chain of engine pools, in order.' }),
    source: z.string().nullable(),
  })
  .openapi('Model');

const ModelList = z.object({ object: z.literal('list'), data: z.array(ModelObject) }).openapi('ModelList');

function toModelObject(model: ModelConfig): z.infer<typeof ModelObject> {
  return {
    id: model.id,
    object: 'model',
    created: model.createdAt,
    owned_by: model.ownedBy,
    aliases: model.aliases,
    capabilities: model.capabilities,
    context_length: model.contextLength,
    pools: model.routes.map((r) => r.pool),
    source: model.source ?? null,
  };
}

function visible(principal: Principal, model: ModelConfig): boolean {
  return mayUseModel(principal.allowedModels, model);
}

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  summary: 'List the models this key may use',
  security: [{ bearer: [] }],
  responses: {
    200: { description: 'The model registry', content: { 'application/json': { schema: ModelList } } },
    ...credentialErrors,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  summary: 'Get one model',
  security: [{ bearer: [] }],
  request: { params: z.object({ model: z.string().min(1) }) },
  responses: {
    200: { description: 'The model', content: { 'application/json': { schema: ModelObject } } },
    ...credentialErrors,
    404: errorAnswer('Unknown model, or one this key may not use'),
  },
});

export function registerModelRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const snapshot = await registry(c.env.DB, Date.now(), (work) => c.executionCtx.waitUntil(work));
    const principal = c.get('principal');
    const data = snapshot.models.filter((m) => visible(principal, m)).map(toModelObject);
    return c.json({ object: 'list' as const, data }, 200);
  });

  // Model ids may contain slashes (`org/model`, as open models are named), so the id takes the rest of
  // the path; the document keeps OpenAI's `{model}`.
  app.openAPIRegistry.registerPath(getRoute);
  app.get('/v1/models/:model{.+}', async (c) => {
    const id = c.req.param('model');
    const snapshot = await registry(c.env.DB, Date.now(), (work) => c.executionCtx.waitUntil(work));
    const found = modelForKey(snapshot.byName, c.get('principal').allowedModels, id);
    if ('missing' in found) throw modelNotFound(id);
    return c.json(toModelObject(found.model), 200);
  });
}
