import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// Values the official OpenAI SDK sends are served, or refused per engine as a parameter not served:
// never a generic validation error, never dropped on the way.

let key: string;

beforeAll(async () => {
  key = await seedKey({ scopes: ['inference', 'jobs'] });
  await seedPool(
    {
      name: 'sdk-fields-vllm-pool',
      protocol: 'vllm',
      origins: [{ id: 's1', url: 'http://sdk-fields-vllm.test', capacity: 8, weight: 1 }],
    },
    'sdk-fields-vllm-model',
  );
  await seedPool(
    {
      name: 'sdk-fields-ollama-pool',
      protocol: 'ollama',
      origins: [{ id: 's2', url: 'http://sdk-fields-ollama.test', capacity: 8, weight: 1 }],
    },
    'sdk-fields-ollama-model',
  );
  await seedPool(
    {
      name: 'sdk-fields-trtllm-pool',
      protocol: 'trtllm-serve',
      origins: [{ id: 's3', url: 'http://sdk-fields-trtllm.test', capacity: 8, weight: 1 }],
    },
    'sdk-fields-trtllm-model',
  );
});

const weather = { type: 'function', function: { name: 'sdk_weather', parameters: { type: 'object' } } };
const clock = { type: 'function', function: { name: 'sdk_clock', parameters: { type: 'object' } } };
const named = (name: string) => ({ type: 'function', function: { name } });

function post(extra: Record<string, unknown>, model = 'sdk-fields-vllm-model') {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
}

/** The body the vLLM origin got, or undefined when it was not asked. */
function captureVllm() {
  const seen: { sent?: Record<string, unknown> } = {};
  mockOrigin('sdk-fields-vllm.test', async (req) => {
    seen.sent = (await req.json()) as Record<string, unknown>;
    return chatAnswer();
  });
  return seen;
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; param: string | null; message: string } }).error;
}

describe('reasoning_effort max', () => {
  it('is refused per engine as unsupported_parameter, as xhigh is', async () => {
    const seen = captureVllm();
    for (const model of ['sdk-fields-vllm-model', 'sdk-fields-ollama-model']) {
      const res = await post({ reasoning_effort: 'max' }, model);
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: 'unsupported_parameter', param: 'reasoning_effort' });
      expect(error.message).toContain("not 'max'");
    }
    expect(seen.sent).toBeUndefined();
  });

  it.each(['max', 'none'])('%s reaches trtllm-serve, whose request model takes it', async (effort) => {
    let sent: Record<string, unknown> | undefined;
    mockOrigin('sdk-fields-trtllm.test', async (req) => {
      sent = (await req.json()) as Record<string, unknown>;
      return chatAnswer();
    });
    const res = await post({ reasoning_effort: effort }, 'sdk-fields-trtllm-model');
    expect(res.status).toBe(200);
    expect(sent?.reasoning_effort).toBe(effort);
  });
});

describe('image_url detail original', () => {
  it('is served, and reaches the engine as high', async () => {
    const seen = captureVllm();
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'original' } };
    const res = await post({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] }],
    });
    expect(res.status).toBe(200);
    const messages = seen.sent?.messages as { content: { image_url?: { detail?: string } }[] }[];
    expect(messages[0]!.content[1]!.image_url).toEqual({ url: 'data:image/png;base64,AAAA', detail: 'high' });
  });
});

describe('tool_choice allowed_tools', () => {
  it('offers only the allowed tools, with the mode as tool_choice', async () => {
    for (const mode of ['auto', 'required'] as const) {
      const seen = captureVllm();
      const res = await post({
        tools: [weather, clock],
        tool_choice: { type: 'allowed_tools', allowed_tools: { mode, tools: [named('sdk_clock')] } },
      });
      expect(res.status).toBe(200);
      expect(seen.sent?.tools).toEqual([clock]);
      expect(seen.sent?.tool_choice).toBe(mode);
    }
  });

  it('refuses an allowed tool that names no function in tools, with its param', async () => {
    const seen = captureVllm();
    const res = await post({
      tools: [weather],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode: 'auto', tools: [named('sdk_weather'), named('sdk_missing')] },
      },
    });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({
      code: 'invalid_request',
      param: 'tool_choice.allowed_tools.tools.1.function.name',
    });
    expect(error.message).toContain('sdk_missing');
    expect(seen.sent).toBeUndefined();
  });

  it('mode required is refused by an engine that cannot force a tool call', async () => {
    const res = await post(
      {
        tools: [weather],
        tool_choice: {
          type: 'allowed_tools',
          allowed_tools: { mode: 'required', tools: [named('sdk_weather')] },
        },
      },
      'sdk-fields-ollama-model',
    );
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'unsupported_parameter', param: 'tool_choice' });
  });

  it('explains a malformed allowed_tools choice where it is wrong', async () => {
    const res = await post({
      tools: [weather],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode: 'always', tools: [named('sdk_weather')] },
      },
    });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'tool_choice.allowed_tools.mode' });
    expect(error.message).toContain('"auto"|"required"');
  });

  it('names the types of tool_choice there are for one of another type', async () => {
    const res = await post({ tools: [weather], tool_choice: { type: 'tool' } });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'tool_choice.type' });
    expect(error.message).toContain("'function' | 'custom' | 'allowed_tools'");
  });
});

describe('custom tools', () => {
  it.each([
    [{ tools: [weather, { type: 'custom', custom: { name: 'sdk_grammar' } }] }, 'tools.1'],
    [{ tools: [weather], tool_choice: { type: 'custom', custom: { name: 'sdk_grammar' } } }, 'tool_choice'],
    [
      {
        tools: [weather],
        tool_choice: {
          type: 'allowed_tools',
          allowed_tools: { mode: 'auto', tools: [{ type: 'custom', custom: { name: 'sdk_grammar' } }] },
        },
      },
      'tool_choice.allowed_tools.tools.0',
    ],
  ])('%j is refused with 400 unsupported_parameter', async (extra, param) => {
    const seen = captureVllm();
    const res = await post(extra);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'unsupported_parameter', param });
    expect(seen.sent).toBeUndefined();
  });

  it('a malformed function tool is still explained at its own field', async () => {
    const res = await post({ tools: [{ type: 'function', function: { name: '' } }] });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'tools.0.function.name' });
    expect(error.message).toContain('>=1 characters');
  });

  it('a tool of an unknown type names the types there are', async () => {
    const res = await post({ tools: [{ type: 'web_search' }] });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'tools.0.type' });
    expect(error.message).toContain("'function' | 'custom'");
  });
});

describe('moderation', () => {
  it('is refused with 400 unsupported_parameter, not dropped', async () => {
    const seen = captureVllm();
    const res = await post({
      moderation: { model: 'omni-moderation-latest', policy: { output: { mode: 'block' } } },
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'unsupported_parameter', param: 'moderation' });
    expect(seen.sent).toBeUndefined();
  });
});

describe('a chat job', () => {
  it('is checked as the sync request is: a bad allowed tool is refused before it is queued', async () => {
    const res = await exports.default.fetch('http://gw/v1/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'chat',
        request: {
          model: 'sdk-fields-vllm-model',
          messages: [{ role: 'user', content: 'hi' }],
          tools: [weather],
          tool_choice: {
            type: 'allowed_tools',
            allowed_tools: { mode: 'auto', tools: [named('sdk_nowhere')] },
          },
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({
      code: 'invalid_request',
      param: 'request.tool_choice.allowed_tools.tools.0.function.name',
    });
  });

  it('with moderation is refused before it is queued', async () => {
    const res = await exports.default.fetch('http://gw/v1/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'chat',
        request: {
          model: 'sdk-fields-vllm-model',
          messages: [{ role: 'user', content: 'hi' }],
          moderation: { model: 'omni-moderation-latest' },
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'unsupported_parameter', param: 'request.moderation' });
  });
});
