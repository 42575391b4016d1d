import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { EcoError } from '../../schemas/errors.ts';
import { listModels, modelNamed } from '../admin/config-store.ts';
import type { AppEnv } from '../app-env.ts';
import { credentialErrors, errorAnswer } from '../http/openapi-errors.ts';
import { singleQueryValue } from '../jobs/list-params.ts';
import { requireScope } from '../middleware/auth.ts';
import {
  dateRange,
  GROUP_COLUMNS,
  type GroupBy,
  type UsageFilter,
  usageGroups,
  usageTotals,
} from '../usage/usage-query.ts';

const Totals = z
  .object({
    requests: z.number(),
    errors: z.number(),
    streamed_requests: z.number(),
    prompt_tokens: z.number(),
    completion_tokens: z.number(),
    total_tokens: z.number(),
  })
  .openapi('UsageTotals');

const OwnUsage = z
  .object({
    object: z.literal('usage'),
    key_id: z.string(),
    start: z.string(),
    end: z.string(),
    totals: Totals,
    data: z.array(Totals.extend({ day: z.string(), model: z.string() })),
    has_more: z.boolean().openapi({ description: 'Groups were left out: narrow the range or the filters.' }),
  })
  .openapi('KeyUsage');

/** One group per distinct value of the `group_by` dimensions (`day`, `tenant`, `key_id`, `model`). */
const UsageGroup = Totals.extend({
  day: z.string().optional(),
  tenant: z.string().optional(),
  key_id: z.string().optional(),
  model: z.string().optional(),
});

const UsageReport = z
  .object({
    object: z.literal('list'),
    start: z.string(),
    end: z.string(),
    totals: Totals,
    data: z.array(UsageGroup),
    has_more: z.boolean().openapi({ description: 'Groups were left out: narrow the range or the filters.' }),
  })
  .openapi('UsageReport');

/** Groups in one answer; past it the answer says `has_more` instead of ending the list unannounced. */
const MAX_GROUPS = 10_000;

/** The first MAX_GROUPS groups, and whether there were more (one extra row is read to know). */
async function firstGroups(database: D1Database, filter: UsageFilter, groupBy: GroupBy[]) {
  const rows = await usageGroups(database, filter, groupBy, MAX_GROUPS + 1);
  return { data: rows.slice(0, MAX_GROUPS), hasMore: rows.length > MAX_GROUPS };
}

const Range = z.object({
  start: z.string().optional().openapi({ description: 'First UTC day (YYYY-MM-DD); default 30 days back.' }),
  end: z.string().optional().openapi({ description: 'Last UTC day, inclusive; default today.' }),
});

function parseGroupBy(value: string | undefined): GroupBy[] {
  const parts = (value ?? 'day,tenant,model')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    // The groups name the key `key_id`, as the filter does: both spellings group by it.
    .map((s) => (s === 'key_id' ? 'key' : s));
  const known = Object.keys(GROUP_COLUMNS);
  const bad = parts.find((p) => !known.includes(p));
  if (bad) {
    throw new EcoError(400, 'invalid_request', `group_by may contain ${known.join(', ')}; got '${bad}'.`, {
      param: 'group_by',
    });
  }
  return [...new Set(parts)] as GroupBy[];
}

/**
 * Usage rows name a model by its registry id: an alias is filtered as the model it names. A name the
 * registry no longer has is taken as it is (the rows of a deleted model keep its id).
 */
async function usageModelName(database: D1Database, name: string): Promise<string> {
  return modelNamed(await listModels(database), name)?.id ?? name;
}

/** A query parameter's one value: a repeated one is refused rather than read as its first value. */
const queryParam = (c: Context<AppEnv>) => (name: string) =>
  singleQueryValue(c.req.queries(name), name, 'invalid_request');

/**
 * The admin report's key filter: `key_id`, or `key` as group_by spells the key (given both, which one
 * was meant is unclear: refused).
 */
function keyFilter(query: (name: string) => string | undefined): string | undefined {
  const [keyId, key] = [query('key_id'), query('key')];
  if (keyId !== undefined && key !== undefined)
    throw new EcoError(400, 'invalid_request', 'Give key_id or key, not both.', { param: 'key' });
  return keyId ?? key;
}

/** GET /v1/usage (the caller's own key) and GET /admin/usage (any tenant/key/model, admin scope). */
export function registerUsageRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/usage',
    summary: "The calling key's usage: totals and per model and UTC day",
    security: [{ bearer: [] }],
    request: { query: Range },
    responses: {
      200: { description: 'Usage', content: { 'application/json': { schema: OwnUsage } } },
      ...credentialErrors,
      400: errorAnswer('Bad date range, or a parameter given more than once'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/admin/usage',
    summary: 'Usage by tenant, key, model and day',
    security: [{ bearer: [] }],
    request: {
      query: Range.extend({
        tenant: z.string().optional(),
        key_id: z.string().optional(),
        key: z.string().optional().openapi({ description: 'The same filter as key_id.' }),
        model: z.string().optional(),
        group_by: z.string().optional().openapi({ description: 'Comma list of day, tenant, key, model.' }),
      }),
    },
    responses: {
      200: { description: 'Grouped usage', content: { 'application/json': { schema: UsageReport } } },
      ...credentialErrors,
      400: errorAnswer('Bad query, or a parameter given more than once'),
      403: errorAnswer("The key lacks the 'admin' scope"),
    },
  });

  app.get('/v1/usage', async (c) => {
    const principal = c.get('principal');
    const query = queryParam(c);
    const range = dateRange(query('start'), query('end'));
    const filter = { range, keyId: principal.keyId };
    const [totals, groups] = await Promise.all([
      usageTotals(c.env.DB, filter),
      firstGroups(c.env.DB, filter, ['day', 'model']),
    ]);
    return c.json({
      object: 'usage',
      key_id: principal.keyId,
      start: range.start,
      end: range.end,
      totals,
      data: groups.data,
      has_more: groups.hasMore,
    });
  });

  app.get('/admin/usage', requireScope('admin'), async (c) => {
    const query = queryParam(c);
    const range = dateRange(query('start'), query('end'));
    // An empty filter is refused, never read as no filter (every tenant's usage).
    for (const name of ['tenant', 'key_id', 'key', 'model']) {
      if (query(name) === '')
        throw new EcoError(400, 'invalid_request', `${name} is empty; leave it out to filter nothing.`, {
          param: name,
        });
    }
    const [tenant, keyId, model] = [query('tenant'), keyFilter(query), query('model')];
    const filter = {
      range,
      ...(tenant ? { tenant } : {}),
      ...(keyId ? { keyId } : {}),
      ...(model ? { model: await usageModelName(c.env.DB, model) } : {}),
    };
    const [totals, groups] = await Promise.all([
      usageTotals(c.env.DB, filter),
      firstGroups(c.env.DB, filter, parseGroupBy(query('group_by'))),
    ]);
    return c.json({
      object: 'list',
      start: range.start,
      end: range.end,
      totals,
      data: groups.data,
      has_more: groups.hasMore,
    });
  });
}
