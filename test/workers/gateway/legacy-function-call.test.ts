import { describe, expect, it } from 'vitest';
import { renderChatPrompt } from '../../../origins/templates/chat-template.ts';
import { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';

// Legacy function calling: the assistant turn carries function_call (content null) and the answer
// comes back as a `function` message. Such a conversation is valid, not an empty assistant turn.

describe('an assistant message with a legacy function_call', () => {
  it('is accepted and keeps its call', () => {
    const parsed = ChatCompletionRequest.safeParse({
      model: 'm',
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          function_call: { name: 'weather', arguments: '{"city":"Paris"}' },
        },
        { role: 'function', name: 'weather', content: '{"c":21}' },
      ],
    });
    expect(parsed.success).toBe(true);
    expect(parsed.data?.messages[1]).toMatchObject({ function_call: { name: 'weather' } });
    // Engines fed a rendered prompt still see the call the function message answers.
    expect(renderChatPrompt(parsed.data!.messages, 'chatml', 'tgi')).toContain('"name":"weather"');
  });

  it('still refuses an assistant message that says and calls nothing', () => {
    const parsed = ChatCompletionRequest.safeParse({
      model: 'm',
      messages: [{ role: 'assistant', content: null }],
    });
    expect(parsed.success).toBe(false);
  });
});
