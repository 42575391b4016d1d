import { exports } from 'cloudflare:workers';

/** What the engine gateway tests share: a chat pinned to one pool, fixture replies, and a chunk reader. */

/** A chat through the gateway, pinned to `pool` with x-eco-pool; streams ask for the usage chunk. */
export function pinnedChat(
  key: string,
  pool: string,
  model: string,
  stream: boolean,
  extra: Record<string, unknown> = {},
) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-eco-pool': pool,
    },
    body: JSON.stringify({
      model,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello' },
      ],
      ...extra,
    }),
  });
}

export const reply = (body: BodyInit, type: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': type } });
export const sse = (body: BodyInit, status = 200) => reply(body, 'text/event-stream', status);
export const json = (body: string, status = 200) => reply(body, 'application/json', status);
export const ndjson = (body: BodyInit) => reply(body, 'application/x-ndjson');

/** Content, finish reason and usage from the gateway's SSE text; error events carry none of them. */
export function readChunks(text: string) {
  let content = '';
  let usage: Record<string, unknown> | undefined;
  let finish: string | undefined;
  for (const block of text.split('\n\n')) {
    if (!block.startsWith('data: {')) continue;
    const chunk = JSON.parse(block.slice(6)) as {
      model?: string;
      choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
      usage?: Record<string, unknown>;
      error?: unknown;
    };
    if (chunk.error) continue;
    content += chunk.choices?.[0]?.delta?.content ?? '';
    finish = chunk.choices?.[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, usage, finish, done: text.endsWith('data: [DONE]\n\n') };
}

/** A text completion through the gateway, pinned to `pool`; streams ask for the usage chunk. */
export function pinnedCompletion(
  key: string,
  pool: string,
  model: string,
  stream: boolean,
  extra: Record<string, unknown> = {},
) {
  return exports.default.fetch('http://gw/v1/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-eco-pool': pool,
    },
    body: JSON.stringify({
      model,
      prompt: 'Once upon a time',
      max_tokens: 16,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      ...extra,
    }),
  });
}

/** Text, finish reason, usage and object names from the gateway's `text_completion` SSE text. */
export function readTextChunks(text: string) {
  let content = '';
  let usage: Record<string, unknown> | undefined;
  let finish: string | undefined;
  const objects = new Set<string>();
  for (const block of text.split('\n\n')) {
    if (!block.startsWith('data: {')) continue;
    const chunk = JSON.parse(block.slice(6)) as {
      object?: string;
      choices?: { text?: string; finish_reason?: string | null }[];
      usage?: Record<string, unknown>;
      error?: unknown;
    };
    if (chunk.error) continue;
    if (chunk.object) objects.add(chunk.object);
    content += chunk.choices?.[0]?.text ?? '';
    finish = chunk.choices?.[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, usage, finish, objects: [...objects], done: text.endsWith('data: [DONE]\n\n') };
}
