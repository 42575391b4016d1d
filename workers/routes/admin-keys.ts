import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { botsBillingTo } from '../admin/bot-store.ts';
import { adminErrors, BODY_ERRORS, jsonDoc } from '../admin/route-docs.ts';
import type { AppEnv } from '../app-env.ts';
import {
  ApiKeyList,
  ApiKeyObject,
  ApiKeyWithSecret,
  CreateKeyBody,
  ListKeysQuery,
  RevokedApiKey,
  RotateKeyBody,
  UpdateKeyBody,
} from '../auth/key-api.ts';
import {
  createKey,
  deleteKey,
  getKey,
  type KeyStore,
  listKeys,
  revokeKey,
  rotateKey,
  updateKey,
} from '../auth/key-store.ts';
import { parseBody } from '../auth/parse-body.ts';
import { CREDENTIAL_HEADERS } from '../http/no-store.ts';
import { validationError } from '../http/validation.ts';
import { singleQueryValue } from '../jobs/list-params.ts';
import { requireScope } from '../middleware/auth.ts';

const NOT_FOUND = 'Unknown key';
const IdParam = z.object({ id: z.string().min(1) });

function store(c: Context<AppEnv>): KeyStore {
  return { database: c.env.DB, actorKeyId: c.get('principal').keyId };
}

/** The admin key API: create, list, get, update, rotate, revoke, delete. Every change is audited. */
export function registerAdminKeyRoutes(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  const base = { security: [{ bearer: [] }], tags: ['admin: keys'] };
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/keys',
    summary: 'Create an API key (the secret is returned once)',
    request: { body: { content: { 'application/json': { schema: CreateKeyBody } } } },
    responses: { 201: jsonDoc(ApiKeyWithSecret, 'The key and its secret'), ...adminErrors(BODY_ERRORS) },
  });
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/keys',
    summary: 'List API keys (never their secrets)',
    request: { query: ListKeysQuery },
    responses: {
      200: jsonDoc(ApiKeyList, 'A page of keys, ordered by id'),
      ...adminErrors({ 400: 'A query parameter does not validate' }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'get',
    path: '/admin/keys/{id}',
    summary: 'Get an API key',
    request: { params: IdParam },
    responses: { 200: jsonDoc(ApiKeyObject, 'The key'), ...adminErrors({ 404: NOT_FOUND }) },
  });
  registry.registerPath({
    ...base,
    method: 'patch',
    path: '/admin/keys/{id}',
    summary: 'Update name, scopes, limits, allowed models, priorities or expiry',
    request: { params: IdParam, body: { content: { 'application/json': { schema: UpdateKeyBody } } } },
    responses: {
      200: jsonDoc(ApiKeyObject, 'The updated key'),
      ...adminErrors({
        ...BODY_ERRORS,
        404: NOT_FOUND,
        409: 'An IM bot bills to the key and could no longer answer with these scopes or allowed models (api_key_in_use), or the key changed while this change was written (write_conflict)',
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/keys/{id}/rotate',
    summary: 'Issue a new secret; the previous one works for the grace period',
    request: { params: IdParam, body: { content: { 'application/json': { schema: RotateKeyBody } } } },
    responses: {
      200: jsonDoc(ApiKeyWithSecret, 'The key and its new secret'),
      ...adminErrors({
        ...BODY_ERRORS,
        404: NOT_FOUND,
        409: 'The key is revoked (api_key_revoked), or another rotation of it committed first (rotation_conflict)',
      }),
    },
  });
  registry.registerPath({
    ...base,
    method: 'post',
    path: '/admin/keys/{id}/revoke',
    summary: 'Revoke a key (kept for the record); the answer names the IM bots it stops',
    request: { params: IdParam },
    responses: { 200: jsonDoc(RevokedApiKey, 'The revoked key'), ...adminErrors({ 404: NOT_FOUND }) },
  });
  registry.registerPath({
    ...base,
    method: 'delete',
    path: '/admin/keys/{id}',
    summary: 'Delete a key (409 while an IM bot bills to it)',
    request: { params: IdParam },
    responses: {
      200: jsonDoc(
        z.object({ id: z.string(), object: z.literal('api_key'), deleted: z.literal(true) }),
        'Deleted',
      ),
      ...adminErrors({ 404: NOT_FOUND, 409: 'An IM bot bills to the key (api_key_in_use)' }),
    },
  });

  const admin = requireScope('admin');
  app.post('/admin/keys', admin, async (c) => {
    const body = await parseBody(c.req.raw, CreateKeyBody);
    const { key, secret } = await createKey(store(c), body);
    return c.json({ ...key, key: secret }, 201, CREDENTIAL_HEADERS);
  });
  app.get('/admin/keys', admin, async (c) => {
    // Each parameter once: a repeated one is refused rather than read as its first value.
    const query = Object.fromEntries(
      ListKeysQuery.keyof().options.map((name) => [
        name,
        singleQueryValue(c.req.queries(name), name, 'invalid_request'),
      ]),
    );
    const parsed = ListKeysQuery.safeParse(query);
    if (!parsed.success) throw validationError(parsed.error);
    const q = parsed.data;
    const page = await listKeys(store(c), {
      ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      includeRevoked: q.include_revoked === 'true',
      limit: q.limit,
    });
    return c.json({
      object: 'list',
      data: page.data,
      has_more: page.nextCursor !== null,
      next_cursor: page.nextCursor,
    });
  });
  app.get('/admin/keys/:id', admin, async (c) => c.json(await getKey(store(c), c.req.param('id'))));
  app.patch('/admin/keys/:id', admin, async (c) => {
    const body = await parseBody(c.req.raw, UpdateKeyBody);
    return c.json(await updateKey(store(c), c.req.param('id'), body));
  });
  app.post('/admin/keys/:id/rotate', admin, async (c) => {
    const body = await parseBody(c.req.raw, RotateKeyBody);
    const { key, secret } = await rotateKey(store(c), c.req.param('id'), body.grace_period_seconds * 1000);
    return c.json({ ...key, key: secret }, 200, CREDENTIAL_HEADERS);
  });
  app.post('/admin/keys/:id/revoke', admin, async (c) => {
    const key = await revokeKey(store(c), c.req.param('id'));
    return c.json({ ...key, bots_affected: await botsBillingTo(c.env.DB, key.id) });
  });
  app.delete('/admin/keys/:id', admin, async (c) => {
    const id = c.req.param('id');
    await deleteKey(store(c), id);
    return c.json({ id, object: 'api_key', deleted: true });
  });
}
