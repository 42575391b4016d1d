import { z } from '@hono/zod-openapi';

/** POST /v1/completions (legacy text completions). Unknown top-level fields are ignored, never forwarded. */
export const CompletionRequest = z
  .object({
    model: z.string().min(1).max(256),
    prompt: z.union([z.string(), z.array(z.string()).min(1).max(64)]),
    max_tokens: z.number().int().min(1).max(1_048_576).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    n: z.literal(1).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    seed: z.number().int().nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    echo: z.boolean().nullable().optional(),
    suffix: z.string().nullable().optional(),
    logprobs: z.number().int().min(0).max(5).nullable().optional(),
    user: z.string().max(256).optional(),
  })
  .openapi('CompletionRequest');
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingRequest = z
  .object({
    model: z.string().min(1).max(256),
    input: z.union([
      z.string(),
      z.array(z.string()).min(1).max(2048),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
    ]),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().min(1).max(65_536).optional(),
    user: z.string().max(256).optional(),
  })
  .openapi('EmbeddingRequest');
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;
