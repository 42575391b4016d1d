import { type BudgetTooSmall, PERIOD_ADJECTIVE } from '../../durable-objects/rate-limiter/budget-fit.ts';
import { EcoError } from '../../schemas/errors.ts';

/**
 * The refusal of a request larger than a whole day or month budget: a 400 without Retry-After, since
 * it would fail again after any reset. `param` is `max_tokens` when a smaller completion budget fits.
 */
export function requestExceedsBudget(
  over: BudgetTooSmall,
  promptTokens: number | undefined,
  headers: Record<string, string>,
): EcoError {
  const budget = `the whole ${PERIOD_ADJECTIVE[over.period]} token budget (${over.budget})`;
  const prompt = promptTokens === undefined ? undefined : Math.max(0, Math.ceil(promptTokens));
  const lowerHelps = prompt !== undefined && prompt < over.tokens && prompt < over.budget;
  const reservation =
    prompt !== undefined && prompt < over.tokens
      ? `${over.tokens} tokens (prompt estimate ${prompt} + completion budget ${over.tokens - prompt})`
      : `${over.tokens} tokens`;
  const advice = lowerHelps
    ? `set max_tokens to at most ${over.budget - prompt}`
    : prompt !== undefined
      ? 'shorten the input'
      : 'reserve fewer tokens';
  return new EcoError(
    400,
    'request_exceeds_budget',
    `This request reserves ${reservation}, more than ${budget}; it cannot be admitted even after the budget resets: ${advice}.`,
    { param: lowerHelps ? 'max_tokens' : null, headers },
  );
}
