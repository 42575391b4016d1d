import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';

// A JSON body that does not parse is answered as on every other JSON route: 400 invalid_json.

let key: string;

beforeAll(async () => {
  key = await seedKey({
    id: 'key_gov_invalid_json',
    tenant: 'tenant-gov-invalid-json',
    scopes: ['governance'],
  });
});

function post(body: string, contentType = 'application/json') {
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    body,
  });
}

interface ErrorBody {
  error: { code: string; type: string; param: string | null; message: string };
}

describe('POST /v1/governance/validate with a body that is not JSON', () => {
  it.each(['{not json', '{"files":[', 'files: []'])('answers 400 invalid_json to %j', async (body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    expect(error.message).toMatch(/^The request body is not valid JSON: /);
  });

  it.each(['', '  \n'])('answers 400 invalid_json to an empty body (%j)', async (body) => {
    const res = await post(body, 'application/json; charset=utf-8');
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({
      code: 'invalid_json',
      message: 'The request body is empty; send JSON.',
    });
  });

  it('still answers invalid_request to JSON that is not a valid request', async () => {
    const res = await post(JSON.stringify({ files: [] }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.code).toBe('invalid_request');
  });
});
