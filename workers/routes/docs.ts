import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { settings } from '../config/read-settings.ts';
import { errorAnswer } from '../http/openapi-errors.ts';

/**
 * The swagger-ui release the page loads. Pinned: the page runs the CDN's script beside the API key a
 * reader pastes into it, so it must be a known release, not whatever the CDN serves as latest. The
 * CDN serves the npm package's files unchanged, and the browser refuses a file whose digest differs
 * from these (Subresource Integrity), so a CDN that is compromised or serves another file cannot run
 * code on the page. Changing the version means new digests: `npm pack swagger-ui-dist@<version>`, then
 * `openssl dgst -sha384 -binary <file> | openssl base64 -A` for each file.
 */
const SWAGGER_UI_VERSION = '5.17.14';
const SWAGGER_UI_INTEGRITY: Record<string, string> = {
  'swagger-ui-bundle.js': 'sha384-wmyclcVGX/WhUkdkATwhaK1X1JtiNrr2EoYJ+diV3vj4v6OC5yCeSu+yW13SYJep',
  'swagger-ui.css': 'sha384-wxLW6kwyHktdDGr6Pv1zgm/VGJh99lfUbzSn6HNHBENZlCN7W602k9VkGdxuFvPn',
};

const DOCUMENT_URL = '/openapi.json';

/** The page body: the pinned assets, each with its digest, and the call that renders this document. */
function pageBody(asset: { css: string[]; js: string[] }): string {
  const integrity = (url: string) => {
    const digest = SWAGGER_UI_INTEGRITY[url.slice(url.lastIndexOf('/') + 1)];
    // A file without a digest would load unchecked: refuse to build such a page at all.
    if (!digest) throw new Error(`no integrity digest for ${url}`);
    return `integrity="${digest}" crossorigin="anonymous"`;
  };
  return [
    '<div id="swagger-ui"></div>',
    ...asset.css.map((url) => `<link rel="stylesheet" href="${url}" ${integrity(url)} />`),
    ...asset.js.map((url) => `<script src="${url}" ${integrity(url)}></script>`),
    `<script>window.onload = () => { window.ui = SwaggerUIBundle({ dom_id: '#swagger-ui', url: '${DOCUMENT_URL}' }); };</script>`,
  ].join('\n');
}

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
  app.doc31(DOCUMENT_URL, {
    openapi: '3.1.0',
    info: {
      title: 'IndestructibleEco Edge API',
      version: '0.1.0',
      description:
        'OpenAI-compatible inference at the edge, with admin, jobs, IM webhook and governance APIs.',
    },
  });
  const page = swaggerUI<AppEnv>({
    url: DOCUMENT_URL,
    title: 'IndestructibleEco Edge API',
    version: SWAGGER_UI_VERSION,
    manuallySwaggerUIHtml: pageBody,
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
