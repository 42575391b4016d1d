import { EcoError } from '../../schemas/errors.ts';
import type { FinishReason, Usage } from '../../schemas/openai/chat.ts';
import type { CallContext } from '../types.ts';

/**
 * `/v1/completions` on engines whose native endpoint takes a bare prompt: the prompt as one string,
 * and the answer in OpenAI's `text_completion` shape with the client's model id.
 */
export function completionPrompt(req: Record<string, unknown>, engine: string): string {
  const prompt = req.prompt;
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  throw new EcoError(400, 'unsupported_parameter', `${engine} takes exactly one prompt string`, {
    param: 'prompt',
  });
}

export type CompletionExtra = 'echo' | 'suffix' | 'logprobs' | 'logit_bias';

/**
 * Completion options a bare generate endpoint has no input for (`echo`, `suffix`, `logprobs`, `logit_bias`): refused
 * with a clear 400 rather than silently answered without them. `supported` names those the engine takes.
 */
export function refuseCompletionExtras(
  req: Record<string, unknown>,
  engine: string,
  supported: readonly CompletionExtra[] = [],
): void {
  const refuse = (param: CompletionExtra) => {
    if (supported.includes(param)) return;
    throw new EcoError(400, 'unsupported_parameter', `${engine} does not support ${param}`, { param });
  };
  if (req.echo === true) refuse('echo');
  if (typeof req.suffix === 'string' && req.suffix.length > 0) refuse('suffix');
  if (typeof req.logprobs === 'number' && req.logprobs > 0) refuse('logprobs');
  const bias = req.logit_bias;
  if (bias !== null && typeof bias === 'object' && Object.keys(bias).length > 0) refuse('logit_bias');
}

/**
 * Penalties an engine's completions endpoint does not read (or reads as something else): a non-zero
 * value is refused with a 400 naming it; 0, the neutral value, is the caller's to drop or send.
 */
export function refuseCompletionPenalties(
  req: Record<string, unknown>,
  engine: string,
  refused: readonly ('presence_penalty' | 'frequency_penalty')[],
): void {
  for (const param of refused) {
    const value = req[param];
    if (typeof value === 'number' && value !== 0)
      throw new EcoError(400, 'unsupported_parameter', `${engine} does not support ${param}`, { param });
  }
}

export function textCompletionObject(
  ctx: CallContext,
  text: string,
  finish: FinishReason,
  usage: Usage,
): Record<string, unknown> {
  return {
    id: `cmpl-${ctx.requestId}`,
    object: 'text_completion',
    created: ctx.created,
    model: ctx.clientModel,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    usage,
  };
}
