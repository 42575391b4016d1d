import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';

/**
 * What openai-node's ChatCompletionStream assembles from the gateway's SSE text, as a client with a
 * strict (auto-parsed) tool would: that is the mode in which it checks each tool call's identity.
 */
export async function sdkAssembled(sse: string): Promise<ChatCompletion> {
  const client = new OpenAI({
    apiKey: 'sdk-assembly-key',
    baseURL: 'http://sdk-assembly.test/v1',
    fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
  });
  const stream = client.chat.completions.stream({
    model: 'client-model',
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          strict: true,
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' } },
            required: ['location'],
            additionalProperties: false,
          },
        },
      },
    ],
  });
  return stream.finalChatCompletion();
}
