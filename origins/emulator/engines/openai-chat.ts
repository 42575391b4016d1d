import { type Generation, plan, type StreamFrames, streamTokens } from '../generation.ts';
import { sendJson } from '../http.ts';
import { countTokens, embed } from '../tokens.ts';
import type { EngineRequest } from '../types.ts';
import { cachedPromptTokens } from './prefix-cache.ts';

/**
 * The OpenAI-compatible surface shared by engines that expose it (vLLM natively; SGLang, TGI,
 * trtllm-serve, LMDeploy and MII as a second API). Each engine passes its own quirks.
 */
export interface OpenAiQuirks {
  /** Serialize like Python's json.dumps (`", "` and `": "` separators). */
  pythonSpacing?: boolean;
  /** Leave `object` and `created` out of stream chunks (DeepSpeed-MII). */
  omitObjectInChunks?: boolean;
  /** The engine sends a usage chunk when `stream_options.include_usage` is set. */
  streamUsage?: boolean;
  /** Write the first chunk as `data: {…} \n\n` (trtllm-serve). */
  trailingSpaceOnFirst?: boolean;
  /** Error body for the engine's own validation errors. */
  idPrefix?: string;
  /**
   * Text of the end-of-sequence token, streamed as the last piece before a `stop` finish (DeepSpeed-MII
   * streams the token that stopped it; its non-stream answers leave it out).
   */
  stopTokenInStream?: string;
  /** Report prefix-cache hits as `usage.prompt_tokens_details` (vLLM with `--enable-prompt-tokens-details`). */
  promptTokensDetails?: boolean;
}

/** The chat request fields the emulated OpenAI servers read. */
export interface ChatBody {
  model?: string;
  messages?: { role?: string; content?: unknown }[];
  max_tokens?: number;
  max_completion_tokens?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  seed?: number;
}

export function promptOf(messages: ChatBody['messages']): string {
  if (!Array.isArray(messages)) return '';
  return messages
    .map(
      (m) =>
        `${m?.role ?? ''}: ${typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '')}`,
    )
    .join('\n');
}

export function dumps(value: unknown, python: boolean | undefined): string {
  const text = JSON.stringify(value);
  if (!python) return text;
  // Re-space outside strings the way json.dumps does by default.
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    out += ch;
    if (ch === '"' && text[i - 1] !== '\\') inString = !inString;
    else if (!inString && (ch === ',' || ch === ':')) out += ' ';
  }
  return out;
}

/** Validates the request like the engines do: a 400 in the OpenAI error shape when messages are missing. */
export function badChatRequest(body: unknown): string | undefined {
  const b = body as ChatBody | undefined;
  if (!b || typeof b !== 'object') return 'request body must be a JSON object';
  if (typeof b.model !== 'string') return 'model is required';
  if (!Array.isArray(b.messages) || b.messages.length === 0) return 'messages must be a non-empty list';
  return undefined;
}

export async function openAiChat(
  r: EngineRequest,
  quirks: OpenAiQuirks,
  error: (msg: string) => void,
): Promise<void> {
  const problem = badChatRequest(r.body);
  if (problem) return error(problem);
  const body = r.body as ChatBody;
  const model = body.model!;
  const prompt = promptOf(body.messages);
  const gen = plan(r, prompt, body.max_completion_tokens ?? body.max_tokens, body.seed);
  const id = `${quirks.idPrefix ?? 'chatcmpl-'}${r.origin.id}-${r.origin.served}`;
  const created = Math.floor(Date.now() / 1000);
  const cached = quirks.promptTokensDetails ? cachedPromptTokens(r.origin, prompt, gen.promptTokens) : 0;
  const usage = chatUsage(gen, cached);
  if (!body.stream) {
    const content = gen.tokens.join('');
    sendJson(r.res, 200, dumps(completion(id, created, model, content, gen, usage), quirks.pythonSpacing));
    return;
  }
  const includeUsage = body.stream_options?.include_usage === true && quirks.streamUsage !== false;
  await streamTokens(r, gen, chatFrames(id, created, model, gen, includeUsage, quirks, usage));
}

function chatUsage(gen: Generation, cached: number) {
  return {
    prompt_tokens: gen.promptTokens,
    completion_tokens: gen.tokens.length,
    total_tokens: gen.promptTokens + gen.tokens.length,
    ...(cached > 0 ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}

function completion(
  id: string,
  created: number,
  model: string,
  content: string,
  gen: Generation,
  usage: ReturnType<typeof chatUsage>,
) {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: gen.finishReason },
    ],
    usage,
  };
}

export function chatFrames(
  id: string,
  created: number,
  model: string,
  gen: Generation,
  includeUsage: boolean,
  quirks: OpenAiQuirks,
  usage = chatUsage(gen, 0),
): StreamFrames {
  const head = quirks.omitObjectInChunks
    ? { id, model }
    : { id, object: 'chat.completion.chunk', created, model };
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    dumps({ ...head, choices, ...extra }, quirks.pythonSpacing);
  const choice = (delta: Record<string, unknown>, finish: string | null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  return {
    contentType: 'text/event-stream',
    head: () =>
      `data: ${chunk([choice({ role: 'assistant', content: '' }, null)])}${quirks.trailingSpaceOnFirst ? ' ' : ''}\n\n`,
    token: (token) => `data: ${chunk([choice({ content: token }, null)])}\n\n`,
    tail: () => {
      let out =
        quirks.stopTokenInStream && gen.finishReason === 'stop'
          ? `data: ${chunk([choice({ content: quirks.stopTokenInStream }, null)])}\n\n`
          : '';
      out += `data: ${chunk([choice({}, gen.finishReason)])}\n\n`;
      if (includeUsage) out += `data: ${chunk([], { usage })}\n\n`;
      return `${out}data: [DONE]\n\n`;
    },
    malformed: () => `data: {"id":"${id}","choices":[{"delta":{"content":"tru\n\n`,
  };
}

/** `/v1/completions`: prompt in, text chunks out. */
export async function openAiCompletion(r: EngineRequest, quirks: OpenAiQuirks, error: (msg: string) => void) {
  const body = r.body as {
    model?: string;
    prompt?: unknown;
    max_tokens?: number;
    stream?: boolean;
    seed?: number;
  };
  if (!body || typeof body.model !== 'string' || body.prompt === undefined)
    return error('model and prompt are required');
  const prompt = Array.isArray(body.prompt) ? body.prompt.join(' ') : String(body.prompt);
  const gen = plan(r, prompt, body.max_tokens, body.seed);
  const id = `cmpl-${r.origin.id}-${r.origin.served}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = {
    prompt_tokens: gen.promptTokens,
    completion_tokens: gen.tokens.length,
    total_tokens: gen.promptTokens + gen.tokens.length,
  };
  const choice = (text: string, finish: string | null) => ({
    index: 0,
    text,
    logprobs: null,
    finish_reason: finish,
  });
  const head = { id, object: 'text_completion', created, model: body.model };
  if (!body.stream) {
    sendJson(
      r.res,
      200,
      dumps(
        { ...head, choices: [choice(gen.tokens.join(''), gen.finishReason)], usage },
        quirks.pythonSpacing,
      ),
    );
    return;
  }
  await streamTokens(r, gen, {
    contentType: 'text/event-stream',
    token: (t) => `data: ${dumps({ ...head, choices: [choice(t, null)] }, quirks.pythonSpacing)}\n\n`,
    tail: () =>
      (quirks.stopTokenInStream && gen.finishReason === 'stop'
        ? `data: ${dumps({ ...head, choices: [choice(quirks.stopTokenInStream, null)] }, quirks.pythonSpacing)}\n\n`
        : '') +
      `data: ${dumps({ ...head, choices: [choice('', gen.finishReason)] }, quirks.pythonSpacing)}\n\n` +
      `data: ${dumps({ ...head, choices: [], usage }, quirks.pythonSpacing)}\n\ndata: [DONE]\n\n`,
    malformed: () => 'data: {"id":\n\n',
  });
}

/** `/v1/embeddings`. */
export function openAiEmbeddings(r: EngineRequest, error: (msg: string) => void) {
  const body = r.body as { model?: string; input?: unknown; dimensions?: number };
  if (!body || typeof body.model !== 'string' || body.input === undefined)
    return error('model and input are required');
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input)];
  const tokens = inputs.reduce((s, t) => s + countTokens(t), 0);
  sendJson(r.res, 200, {
    object: 'list',
    data: inputs.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: embed(text, body.dimensions ?? 16),
    })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
