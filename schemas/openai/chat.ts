import { z } from '@hono/zod-openapi';
import { choiceCount } from './choice-count.ts';
import { ChatMessage } from './messages.ts';
import { optional } from './optional.ts';
import { stopSequences } from './stop.ts';
import { tokenLimit } from './token-limit.ts';

const FunctionTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1).max(64),
    description: optional(z.string()),
    parameters: optional(z.record(z.string(), z.unknown())),
    strict: optional(z.boolean()),
  }),
});
export type FunctionTool = z.infer<typeof FunctionTool>;
// Read only to be refused: no engine here takes a tool with free-form (grammar) input.
const CustomTool = z
  .object({ type: z.literal('custom'), custom: optional(z.unknown()) })
  .openapi({ description: 'A custom tool: refused with 400 `unsupported_parameter`.' });

const NamedFunction = z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) });
const NamedCustom = z
  .object({ type: z.literal('custom'), custom: z.object({ name: z.string() }) })
  .openapi({ description: 'Forces a custom tool: refused with 400 `unsupported_parameter`.' });
const AllowedTools = z
  .object({
    type: z.literal('allowed_tools'),
    allowed_tools: z.object({
      mode: z.enum(['auto', 'required']),
      tools: z
        .array(z.discriminatedUnion('type', [NamedFunction, NamedCustom]))
        .min(1)
        .max(128),
    }),
  })
  .openapi({
    description:
      'Offers the model only these functions of `tools` (each must be one of them), with `mode` as the tool_choice.',
  });

/** POST /v1/chat/completions request body. Unknown top-level fields are ignored, never forwarded. */
export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(ChatMessage).min(1).max(4096),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    max_tokens: tokenLimit().nullable().optional(),
    max_completion_tokens: tokenLimit().nullable().optional(),
    stop: stopSequences(),
    seed: z.number().int().nullable().optional(),
    n: choiceCount(128, 'Only 1 is served: more is refused with 400 `unsupported_parameter`.'),
    stream: z.boolean().nullable().optional(),
    stream_options: z
      .object({ include_usage: optional(z.boolean()), include_obfuscation: optional(z.boolean()) })
      .nullable()
      .optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
    tools: optional(z.array(z.discriminatedUnion('type', [FunctionTool, CustomTool])).max(128)),
    tool_choice: optional(
      z.union([
        z.enum(['none', 'auto', 'required']),
        z.discriminatedUnion('type', [NamedFunction, NamedCustom, AllowedTools]),
      ]),
    ),
    parallel_tool_calls: optional(z.boolean()),
    // Read only to be refused: dropped silently, a legacy client would never get its function call.
    functions: optional(z.array(z.unknown())).openapi({
      description:
        'Deprecated request-level functions: refused with 400 `unsupported_parameter`; send `tools`.',
    }),
    function_call: optional(z.unknown()).openapi({
      description: 'Deprecated: refused with 400 `unsupported_parameter`; send `tool_choice`.',
    }),
    reasoning_effort: optional(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])).openapi({
      description: 'How long a reasoning model thinks before it answers; passed on to engines that take it.',
    }),
    response_format: optional(
      z.union([
        z.object({ type: z.literal('text') }),
        z.object({ type: z.literal('json_object') }),
        z.object({
          type: z.literal('json_schema'),
          json_schema: z.object({
            name: z.string(),
            description: optional(z.string()),
            schema: optional(z.record(z.string(), z.unknown())),
            strict: optional(z.boolean()),
          }),
        }),
      ]),
    ),
    user: optional(z.string().max(256)),
    metadata: optional(z.record(z.string(), z.string())),
    // Read only to be refused: each asks for an answer no engine here gives (audio, a verbosity, a web
    // search), and dropped silently the client would take a plain answer for the one it asked for.
    modalities: optional(z.array(z.string())).openapi({
      description:
        'Output modalities: only `["text"]` is served; anything else is 400 `unsupported_parameter`.',
    }),
    audio: optional(z.unknown()).openapi({
      description: 'Audio output: refused with 400 `unsupported_parameter`.',
    }),
    verbosity: optional(z.unknown()).openapi({ description: 'Refused with 400 `unsupported_parameter`.' }),
    web_search_options: optional(z.unknown()).openapi({
      description: 'Web search: refused with 400 `unsupported_parameter`.',
    }),
    // Moderation may block an answer: served without it, an unchecked answer would pass as checked.
    moderation: optional(z.unknown()).openapi({
      description: 'Moderation of input and output: refused with 400 `unsupported_parameter`.',
    }),
  })
  .openapi('ChatCompletionRequest');
/** A chat request as the client sent it, once valid. */
export type ChatCompletionInput = z.infer<typeof ChatCompletionRequest>;
/**
 * A chat request as engine adapters get it: function tools only, and a `tool_choice` that names at most
 * one function. The pipeline refuses custom tools and resolves `allowed_tools` first (workers/pipeline).
 */
export type ChatCompletionRequest = Omit<ChatCompletionInput, 'tools' | 'tool_choice'> & {
  tools?: FunctionTool[] | undefined;
  tool_choice?: 'none' | 'auto' | 'required' | z.infer<typeof NamedFunction> | undefined;
};

export const FinishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);
export type FinishReason = z.infer<typeof FinishReason>;

/** A count inside a usage breakdown: engines' values are checked before they get here. */
function tokenDetail() {
  return z.number().int().min(0).optional();
}

export const Usage = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
    prompt_tokens_details: z
      .object({ cached_tokens: tokenDetail(), audio_tokens: tokenDetail() })
      .optional()
      .openapi({
        description:
          "The prompt tokens broken down (`cached_tokens`: served from the engine's prefix cache), when the engine reports it.",
      }),
    completion_tokens_details: z
      .object({
        reasoning_tokens: tokenDetail(),
        audio_tokens: tokenDetail(),
        accepted_prediction_tokens: tokenDetail(),
        rejected_prediction_tokens: tokenDetail(),
      })
      .optional()
      .openapi({
        description:
          'The completion tokens broken down (`reasoning_tokens`: spent thinking), when the engine reports it.',
      }),
    eco_estimated: z
      .boolean()
      .optional()
      .openapi({ description: 'True when the engine reported no usage and the gateway estimated it.' }),
  })
  .openapi('Usage');
export type Usage = z.infer<typeof Usage>;

export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.string().nullable(),
          tool_calls: z.array(z.unknown()).optional(),
          reasoning_content: z.string().optional(),
        }),
        logprobs: z.unknown().nullable(),
        finish_reason: FinishReason.nullable(),
      }),
    ),
    usage: Usage.optional(),
    system_fingerprint: z.string().nullable().optional(),
  })
  .openapi('ChatCompletion');
export type ChatCompletion = z.infer<typeof ChatCompletion>;

/** The completion budget a request asks for, whichever of the two fields it used. */
export function requestedMaxTokens(req: {
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
}) {
  return req.max_completion_tokens ?? req.max_tokens ?? undefined;
}
