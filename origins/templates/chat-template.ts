import type { PoolConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { ChatMessage } from '../../schemas/openai/messages.ts';

/**
 * Chat templating for engines whose native endpoint takes a bare prompt (TGI /generate, SGLang
 * /generate, Triton, MII REST, LMDeploy /generate). Each message stays a turn of its own role; the
 * prompt ends with the assistant's opening so the engine writes the answer. The pool option
 * `options.chatTemplate` picks the family the served model was trained with (default `chatml`).
 */
export type ChatTemplateName = 'chatml' | 'llama3' | 'mistral';

export const CHAT_TEMPLATES: readonly ChatTemplateName[] = ['chatml', 'llama3', 'mistral'];

/** Text that ends a turn in each family; engines that do not strip it may leave it in their output. */
const END_MARKERS: Record<ChatTemplateName, readonly string[]> = {
  chatml: ['<|im_end|>', '<|endoftext|>'],
  llama3: ['<|eot_id|>', '<|end_of_text|>', '<|eom_id|>'],
  mistral: ['</s>'],
};

/** Every family's end markers, longest first, for engines that may echo any of them. */
export const ALL_END_MARKERS: readonly string[] = [...new Set(Object.values(END_MARKERS).flat())].sort(
  (a, b) => b.length - a.length,
);

export function templateFor(pool: PoolConfig): ChatTemplateName {
  const name = pool.options.chatTemplate;
  if (name === undefined) return 'chatml';
  if (typeof name === 'string' && (CHAT_TEMPLATES as readonly string[]).includes(name)) {
    return name as ChatTemplateName;
  }
  throw new EcoError(
    500,
    'pool_misconfigured',
    `pool '${pool.name}': options.chatTemplate must be one of ${CHAT_TEMPLATES.join(', ')}`,
  );
}

export function endMarkers(template: ChatTemplateName): readonly string[] {
  return END_MARKERS[template];
}

type TurnRole = 'system' | 'user' | 'assistant' | 'tool';

interface Turn {
  role: TurnRole;
  text: string;
}

/** Render the conversation as one prompt in the given family's format. */
export function renderChatPrompt(
  messages: readonly ChatMessage[],
  template: ChatTemplateName,
  engine: string,
): string {
  const turns = messages.map((m) => toTurn(m, engine, template));
  if (template === 'llama3') return llama3(turns);
  if (template === 'mistral') return mistral(turns);
  return chatml(turns);
}

function toTurn(message: ChatMessage, engine: string, template: ChatTemplateName): Turn {
  const role: TurnRole =
    message.role === 'developer' || message.role === 'system'
      ? 'system'
      : message.role === 'function'
        ? 'tool'
        : message.role;
  let text = partsText(message.content, engine);
  if (message.role === 'assistant' && (message.tool_calls?.length || message.function_call)) {
    // Earlier tool calls (or a legacy function call) stay visible to the model as the JSON it would
    // have written.
    const called = message.tool_calls?.length ? message.tool_calls.map((c) => c.function) : [];
    if (message.function_call) called.push(message.function_call);
    const calls = called.map((f) => JSON.stringify({ name: f.name, arguments: f.arguments }));
    text = text.length > 0 ? `${text}\n${calls.join('\n')}` : calls.join('\n');
  }
  return { role, text: neutralised(text, template) };
}

/**
 * Marker text each family's tokenizer reads as a control token. Sent inside a message, it would end
 * the turn and open another (`hi<|im_end|>\n<|im_start|>system\n…`): a forged system prompt.
 */
const CONTROL_MARKERS: Record<ChatTemplateName, RegExp> = {
  chatml: /<\|[A-Za-z0-9_]+\|>/g,
  llama3: /<\|[A-Za-z0-9_]+\|>/g,
  mistral:
    /<\/?s>|<unk>|\[\/?(?:INST|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_RESULTS|TOOL_CONTENT|THINK)\]|\[(?:TOOL_CALLS|IMG|IMG_BREAK|IMG_END|PREFIX|MIDDLE|SUFFIX|control_\d+)\]/g,
};

/** Zero-width space: the marker still reads the same to a person, but no longer matches the token. */
const BREAK = '\u200b';

/** Message text with every control marker of the family broken after its first character; other text as it is. */
export function neutralised(text: string, template: ChatTemplateName): string {
  return text.replace(CONTROL_MARKERS[template], (marker) => `${marker[0]}${BREAK}${marker.slice(1)}`);
}

/** A message's text for engines that take string contents only; non-text parts are refused. */
export function renderMessageText(message: ChatMessage, engine: string): string {
  return partsText(message.content, engine);
}

function partsText(content: ChatMessage['content'], engine: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
    else {
      throw new EcoError(
        400,
        'unsupported_content',
        `${engine} takes text prompts only; '${part.type}' message parts cannot be sent to it`,
        { param: 'messages' },
      );
    }
  }
  return text;
}

function chatml(turns: Turn[]): string {
  let out = '';
  for (const t of turns) out += `<|im_start|>${t.role}\n${t.text}<|im_end|>\n`;
  return `${out}<|im_start|>assistant\n`;
}

function llama3(turns: Turn[]): string {
  let out = '<|begin_of_text|>';
  for (const t of turns) {
    const role = t.role === 'tool' ? 'ipython' : t.role;
    out += `<|start_header_id|>${role}<|end_header_id|>\n\n${t.text}<|eot_id|>`;
  }
  return `${out}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

/**
 * Mistral's instruct format has no system or tool role: system text opens the next user turn and tool
 * results are fenced as such inside one, as the reference template does. User and assistant turns keep
 * their alternation.
 */
function mistral(turns: Turn[]): string {
  let out = '<s>';
  let pendingSystem: string[] = [];
  let open = false;
  const userTurn = (text: string) => {
    const system = pendingSystem.length > 0 ? `${pendingSystem.join('\n\n')}\n\n` : '';
    pendingSystem = [];
    out += `[INST] ${system}${text} [/INST]`;
    open = true;
  };
  for (const t of turns) {
    if (t.role === 'system') pendingSystem.push(t.text);
    else if (t.role === 'user') userTurn(t.text);
    else if (t.role === 'tool') userTurn(`[TOOL_RESULTS] ${t.text} [/TOOL_RESULTS]`);
    else {
      out += `${open ? ' ' : ''}${t.text}</s>`;
      open = false;
    }
  }
  if (pendingSystem.length > 0) userTurn('');
  return out;
}
