import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';

// The document is what SDK generators and API consoles read: it lists every status a route answers.

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
let paths: Record<string, Record<string, Operation>>;

beforeAll(async () => {
  const res = await exports.default.fetch('http://gw/openapi.json');
  paths = ((await res.json()) as { paths: typeof paths }).paths;
});

/** Each inference route can refuse a credential, a scope or model, a body, a rate, or fail at the origin. */
const INFERENCE_STATUSES = ['200', '400', '401', '403', '404', '413', '415', '429', '502', '503', '504'];

describe('/openapi.json', () => {
  it.each(['/v1/chat/completions', '/v1/completions', '/v1/embeddings'])(
    'lists every status of POST %s',
    (path) => {
      expect(Object.keys(paths[path]!.post!.responses).sort()).toEqual(INFERENCE_STATUSES);
    },
  );

  it.each(['/v1/completions', '/v1/embeddings'])('describes the JSON answer of POST %s', (path) => {
    expect(paths[path]!.post!.responses['200']!.content?.['application/json']?.schema).toBeDefined();
  });

  it('describes the stream of POST /v1/completions', () => {
    expect(paths['/v1/completions']!.post!.responses['200']!.content).toHaveProperty(['text/event-stream']);
  });

  it.each([['/v1/models'], ['/v1/models/{model}']])('lists 401 for GET %s', (path) => {
    expect(paths[path]!.get!.responses).toHaveProperty(['401']);
  });

  it.each([
    ['/health', ['200']],
    ['/ready', ['200', '503']],
  ])('describes the JSON answers of GET %s', (path, statuses) => {
    const responses = paths[path]?.get?.responses ?? {};
    expect(Object.keys(responses).sort()).toEqual(statuses);
    for (const status of statuses) {
      expect(responses[status]!.content?.['application/json']?.schema).toBeDefined();
    }
  });
});
