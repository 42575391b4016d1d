import type { PoolConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { ChatMessage } from '../../schemas/openai/messages.ts';
import { rememberRequestedPrompt } from '../templates/prompt-call.ts';
import type { CallContext, OriginRequest } from '../types.ts';
import { ollamaLogprobFields } from './logprobs.ts';

export const OLLAMA = 'Ollama';

interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: unknown } }[];
  tool_name?: string;
}

/** OpenAI sampling fields → Ollama `options` (Modelfile parameter names). */
export function ollamaOptions(
  req: {
    max_tokens?: number | null;
    max_completion_tokens?: number | null;
    temperature?: number | null;
    top_p?: number | null;
    seed?: number | null;
    stop?: string | string[] | null;
    presence_penalty?: number | null;
    frequency_penalty?: number | null;
  },
  pool: PoolConfig,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const max = requestedMaxTokens(req);
  if (max !== undefined) options.num_predict = max;
  if (typeof req.temperature === 'number') options.temperature = req.temperature;
  if (typeof req.top_p === 'number') options.top_p = req.top_p;
  if (typeof req.seed === 'number') options.seed = req.seed;
  if (req.stop != null) options.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (typeof req.presence_penalty === 'number') options.presence_penalty = req.presence_penalty;
  if (typeof req.frequency_penalty === 'number') options.frequency_penalty = req.frequency_penalty;
  // The context window can only be raised per request; the pool says how far.
  if (typeof pool.options.numCtx === 'number') options.num_ctx = pool.options.numCtx;
  return options;
}

/**
 * Ollama drops the oldest messages (or the start of a prompt) that do not fit its context window,
 * unannounced, unless told not to: then it refuses the input (400, context_length_exceeded). Refusing
 * is the default; a pool with `options.truncatePrompt: true` keeps Ollama's cutting.
 */
export function truncatePrompt(pool: PoolConfig): boolean {
  return pool.options.truncatePrompt === true;
}

/** Request-level fields every Ollama generation call shares. */
export function commonFields(pool: PoolConfig, format: ChatCompletionRequest['response_format']) {
  const out: Record<string, unknown> = {};
  const keepAlive = pool.options.keepAlive;
  if (typeof keepAlive === 'string' || typeof keepAlive === 'number') out.keep_alive = keepAlive;
  if (format?.type === 'json_object') out.format = 'json';
  else if (format?.type === 'json_schema') out.format = format.json_schema.schema ?? 'json';
  return out;
}

export function buildOllamaChat(req: ChatCompletionRequest, ctx: CallContext): OriginRequest {
  const messages = toOllamaMessages(req.messages);
  rememberRequestedPrompt(ctx, messages.map((m) => m.content).join('\n'), req);
  const body: Record<string, unknown> = {
    model: ctx.engineModel,
    messages,
    stream: ctx.stream,
    truncate: truncatePrompt(ctx.pool),
    ...commonFields(ctx.pool, req.response_format),
  };
  // Ollama has no tool_choice: "none" is honoured by not offering the tools at all.
  if (req.tools && req.tools.length > 0 && req.tool_choice !== 'none') body.tools = req.tools;
  // Its `think` takes the same levels (other values are refused in chat-fields.ts).
  if (req.reasoning_effort != null) body.think = req.reasoning_effort;
  Object.assign(body, ollamaLogprobFields(req, ctx));
  const options = ollamaOptions(req, ctx.pool);
  if (Object.keys(options).length > 0) body.options = options;
  return {
    method: 'POST',
    path: '/api/chat',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** Roles are kept one to one; tool results name their tool, as Ollama expects. */
export function toOllamaMessages(messages: readonly ChatMessage[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m): OllamaMessage => {
    if (m.role === 'system' || m.role === 'developer') return { role: 'system', ...content(m.content) };
    if (m.role === 'user') return { role: 'user', ...content(m.content) };
    if (m.role === 'assistant') {
      const out: OllamaMessage = { role: 'assistant', ...content(m.content ?? '') };
      if (m.tool_calls && m.tool_calls.length > 0) {
        out.tool_calls = m.tool_calls.map((call) => {
          toolNames.set(call.id, call.function.name);
          return {
            function: { name: call.function.name, arguments: parseArguments(call.function.arguments) },
          };
        });
      }
      return out;
    }
    if (m.role === 'tool') {
      const name = toolNames.get(m.tool_call_id);
      return { role: 'tool', ...content(m.content), ...(name ? { tool_name: name } : {}) };
    }
    return { role: 'tool', ...content(m.content), tool_name: m.name };
  });
}

/** Ollama takes tool arguments as an object, OpenAI sends them as a JSON string. */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function content(value: ChatMessage['content']): { content: string; images?: string[] } {
  if (value == null) return { content: '' };
  if (typeof value === 'string') return { content: value };
  let text = '';
  const images: string[] = [];
  for (const part of value) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
    else if (part.type === 'image_url') {
      const match = /^data:[^;,]+;base64,(.*)$/s.exec(part.image_url.url);
      if (!match) {
        throw new EcoError(400, 'unsupported_content', `${OLLAMA} takes images inline (data: URLs) only`, {
          param: 'messages',
        });
      }
      images.push(match[1]!);
    } else {
      throw new EcoError(400, 'unsupported_content', `${OLLAMA} cannot take '${part.type}' message parts`, {
        param: 'messages',
      });
    }
  }
  return images.length > 0 ? { content: text, images } : { content: text };
}
