import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_RUN_TOKENS } from '../../../governance/index.ts';
import { seedKey } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey({ id: 'key_gov_budget', tenant: 'tenant-gov', scopes: ['governance'] });
});

function post(files: { path: string; content: string }[]) {
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ files }),
  });
}

/** A block sequence of `n` items: two tokens and a line break each. */
const items = (n: number) => '- x\n'.repeat(n);
const named = (contents: string[]) => contents.map((content, i) => ({ path: `f${i}.qyaml`, content }));

type Report = { files: { diagnostics: { rule: string; message: string }[] }[] };

describe('POST /v1/governance/validate: tokens one request may parse', () => {
  it('refuses files that together pass the budget with 413, naming the first file past it', async () => {
    const perFile = 5_000; // items: 10,000 tokens and 5,000 line breaks a file
    const passing = Math.floor(MAX_RUN_TOKENS / (3 * perFile));
    const res = await post(named(Array.from({ length: passing + 1 }, () => items(perFile))));
    expect(res.status).toBe(413);
    const { error } = (await res.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'lint_request_too_large',
      param: 'files',
    });
    expect(error.message).toContain(`more than ${MAX_RUN_TOKENS} YAML tokens and line breaks`);
    expect(error.message).toContain(`files.${passing} passes it`);
  });

  it('counts blank and comment lines, which the parser pays for though they hold no token', async () => {
    const res = await post(named(Array.from({ length: 3 }, () => '#\n'.repeat(100_000))));
    expect(res.status).toBe(413);
  });

  it('counts what the lexer finds: text the cheap bound over-counts does not refuse a request', async () => {
    const commented = `${'# a comment of many short words a b c d e f g h\n'.repeat(2_000)}a: 1\n`;
    const res = await post(named(Array.from({ length: 15 }, () => commented)));
    expect(res.status).toBe(200);
  });

  it('reports a single file over its own limit as a finding, never a 413', async () => {
    const res = await post(named([`[${'a,'.repeat(60_000)}a]\n`]));
    expect(res.status).toBe(200);
    const report = (await res.json()) as Report;
    expect(report.files[0]?.diagnostics[0]?.message).toBe(
      'file holds more than 100000 YAML tokens (the limit)',
    );
  });

  it('counts files broken by lone CRs as parsed: they cannot slip past the budget as one long line each', async () => {
    const perFile = 10_000;
    const count = MAX_RUN_TOKENS / perFile + 1;
    const crOnly = '- x\r'.repeat(perFile / 2);
    const res = await post(named(Array.from({ length: count }, () => crOnly)));
    expect(res.status).toBe(413);
  });
});
