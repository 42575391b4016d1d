import { EcoError } from '../../schemas/errors.ts';

/**
 * One choice per request: several would each be generated, paid for and streamed interleaved, and no
 * engine here batches them. A valid count above 1 is refused as a parameter this gateway does not serve.
 */
export function refuseManyChoices(body: { n?: number | null; best_of?: number | null }): void {
  const field = (['n', 'best_of'] as const).find((name) => (body[name] ?? 1) > 1);
  if (field === undefined) return;
  throw new EcoError(
    400,
    'unsupported_parameter',
    `'${field}' may only be 1: one choice per request is served; send one request per choice.`,
    { param: field },
  );
}
