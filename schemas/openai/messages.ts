import { z } from '@hono/zod-openapi';
import { optional } from './optional.ts';

/** Message shapes of the OpenAI Chat Completions API: every role, text and multi-part content. */

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const ImagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string(),
    // `original` (no downscaling) reaches engines as `high`, the finest level they know.
    detail: optional(z.enum(['auto', 'low', 'high', 'original'])),
  }),
});
const AudioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.string() }),
});
const FilePart = z.object({
  type: z.literal('file'),
  file: z.object({
    file_id: optional(z.string()),
    file_data: optional(z.string()),
    filename: optional(z.string()),
  }),
});
const RefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

export const ContentPart = z.discriminatedUnion('type', [
  TextPart,
  ImagePart,
  AudioPart,
  FilePart,
  RefusalPart,
]);
export type ContentPart = z.infer<typeof ContentPart>;

const UserContent = z.union([z.string(), z.array(ContentPart).min(1)]);

export const ToolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const SystemMessage = z.object({
  role: z.enum(['system', 'developer']),
  content: UserContent,
  name: optional(z.string()),
});
const UserMessage = z.object({ role: z.literal('user'), content: UserContent, name: optional(z.string()) });
/**
 * An assistant turn must say or call something: OpenAI answers 400 to one with no content, no calls and no
 * refusal, and so do we. An empty string is content: a model can answer with nothing (a stop sequence at
 * once, `max_tokens` spent on reasoning) and clients echo that turn back in the next request.
 */
const AssistantMessage = z
  .object({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
    name: optional(z.string()),
    refusal: optional(z.string()),
    tool_calls: optional(z.array(ToolCall)),
    // Legacy function calling: the call a `function` message answers.
    function_call: optional(z.object({ name: z.string(), arguments: z.string() })),
  })
  .superRefine((message, ctx) => {
    if (typeof message.content === 'string' || (message.content?.length ?? 0) > 0) return;
    if ((message.tool_calls?.length ?? 0) > 0) return;
    if (message.refusal !== undefined || message.function_call !== undefined) return;
    ctx.addIssue({
      code: 'custom',
      path: ['content'],
      message: 'an assistant message needs content, tool_calls or a refusal',
    });
  });
const ToolMessage = z.object({ role: z.literal('tool'), content: UserContent, tool_call_id: z.string() });
const FunctionMessage = z.object({
  role: z.literal('function'),
  content: z.string().nullable(),
  name: z.string(),
});

export const ChatMessage = z
  .discriminatedUnion('role', [SystemMessage, UserMessage, AssistantMessage, ToolMessage, FunctionMessage])
  .openapi('ChatMessage');
export type ChatMessage = z.infer<typeof ChatMessage>;

/** The plain text of a message, for token estimates and for engines that take only text. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (content == null) return '';
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'refusal') text += part.refusal;
  }
  return text;
}
