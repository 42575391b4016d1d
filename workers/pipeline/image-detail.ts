import type { ChatMessage, ContentPart } from '../../schemas/openai/messages.ts';

/**
 * Messages as engines get them: OpenAI's image detail `original` (no downscaling) is sent as `high`,
 * the finest level engines know; some (SGLang) refuse any value but `auto`, `low` and `high`.
 */
export function servedImageDetail(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some(hasOriginal)) return messages;
  return messages.map((message) => {
    if (!hasOriginal(message)) return message;
    const content = (message.content as ContentPart[]).map((part) =>
      isOriginal(part) ? { ...part, image_url: { ...part.image_url, detail: 'high' as const } } : part,
    );
    return { ...message, content } as ChatMessage;
  });
}

function hasOriginal(message: ChatMessage): boolean {
  return Array.isArray(message.content) && message.content.some(isOriginal);
}

function isOriginal(part: ContentPart): part is Extract<ContentPart, { type: 'image_url' }> {
  return part.type === 'image_url' && part.image_url.detail === 'original';
}
