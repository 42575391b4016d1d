import { z } from '@hono/zod-openapi';
import { Usage } from './chat.ts';
import { choiceCount } from './choice-count.ts';
import { optional } from './optional.ts';
import { stopSequences } from './stop.ts';
import { tokenLimit } from './token-limit.ts';

/**
 * A tokenized text: the engine's token ids. Checked in one pass that names the first bad id: checked
 * id by id, a body of half a million bad ids would build an error for each, hundreds of megabytes.
 */
const TokenIds = z
  .array(z.unknown())
  .min(1)
  .superRefine((ids, ctx) => {
    const bad = ids.findIndex((id) => typeof id !== 'number' || !Number.isInteger(id) || id < 0);
    if (bad >= 0)
      ctx.addIssue({ code: 'custom', path: [bad], message: 'a token id is a whole number, 0 or more' });
  })
  .openapi({ type: 'array', items: { type: 'integer', minimum: 0 } }) as unknown as z.ZodArray<z.ZodNumber>;

/** POST /v1/completions (legacy text completions). Unknown top-level fields are ignored, never forwarded. */
export const CompletionRequest = z
  .object({
    model: z.string().min(1).max(256),
    prompt: z.union([
      z.string(),
      z.array(z.string()).min(1).max(64),
      TokenIds,
      z.array(TokenIds).min(1).max(64),
    ]),
    max_tokens: tokenLimit().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    n: choiceCount(128, 'Only 1 is served: more is refused with 400 `unsupported_parameter`.'),
    stop: stopSequences(),
    stream: z.boolean().nullable().optional(),
    stream_options: z
      .object({ include_usage: optional(z.boolean()) })
      .nullable()
      .optional(),
    seed: z.number().int().nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    echo: z.boolean().nullable().optional(),
    suffix: z.string().nullable().optional(),
    logprobs: z.number().int().min(0).max(5).nullable().optional(),
    logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
    // One completion per prompt (as `n`): a best of several would be generated and paid for here.
    best_of: choiceCount(
      20,
      'Only 1 is served (and not sent): more is refused with 400 `unsupported_parameter`.',
    ),
    user: optional(z.string().max(256)),
  })
  .openapi('CompletionRequest');
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingRequest = z
  .object({
    model: z.string().min(1).max(256),
    // As on OpenAI, an empty text is refused: it has nothing to embed, and engines differ on what they answer.
    input: z.union([
      z.string().min(1, 'an input text may not be empty'),
      z.array(z.string().min(1, 'an input text may not be empty')).min(1).max(2048),
      TokenIds,
      z.array(TokenIds).min(1).max(2048),
    ]),
    encoding_format: optional(z.enum(['float', 'base64'])),
    dimensions: optional(z.number().int().min(1).max(65_536)),
    user: optional(z.string().max(256)),
  })
  .openapi('EmbeddingRequest');
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

export const TextCompletion = z
  .object({
    id: z.string(),
    object: z.literal('text_completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        text: z.string(),
        logprobs: z.unknown().nullable(),
        finish_reason: z.string().nullable(),
      }),
    ),
    usage: Usage.optional(),
  })
  .openapi('TextCompletion');

export const EmbeddingList = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        index: z.number().int(),
        embedding: z
          .union([z.array(z.number()), z.string()])
          .openapi({ description: 'Floats, or base64 when `encoding_format` is `base64`.' }),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }).optional(),
  })
  .openapi('EmbeddingList');
