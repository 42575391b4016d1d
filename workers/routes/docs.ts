import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { settings } from '../config/read-settings.ts';
import { errorAnswer } from '../http/openapi-errors.ts';

/**
 * The swagger-ui release the page loads. Pinned: the page runs the CDN's script beside the API key a
 * reader pastes into it, so it must be a known release, not whatever the CDN serves as latest.
 */
const SWAGGER_UI_VERSION = '5.17.14';

const DOCS_PAGE_HEADERS = {
  'content-security-policy': "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** The OpenAPI 3.1 document generated from the routes' zod schemas, and an interactive page over it. */
export function registerDocsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`eco_sk_…`) or a JWT.',
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    responses: {
      200: {
        description: 'The document',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    summary: 'An interactive page over this document',
    responses: {
      200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
      404: errorAnswer('The page is turned off (`ECO_DOCS_ENABLED=false`)'),
    },
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'IndestructibleEco Edge API',
      version: '0.1.0',
      description:
        'OpenAI-compatible inference at the edge, with admin, jobs, IM webhook and governance APIs.',
    },
  });
  const page = swaggerUI<AppEnv>({
    url: '/openapi.json',
    title: 'IndestructibleEco Edge API',
    version: SWAGGER_UI_VERSION,
  });
  app.get('/docs', async (c, next) => {
    if (!settings(c.env).ECO_DOCS_ENABLED) return c.notFound();
    const res = await page(c, next);
    // Readers paste API keys into this page: no other site may frame it (a click-jacked "Authorize"),
    // and the page itself may not be re-pointed (base, plugins) or leak its address onwards.
    if (res) for (const [name, value] of Object.entries(DOCS_PAGE_HEADERS)) res.headers.set(name, value);
    return res;
  });
}
