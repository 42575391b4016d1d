import { expect } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';

/** The EcoError `work` is refused with (the test fails if it resolves, or throws anything else). */
export async function refusal(work: Promise<unknown>): Promise<EcoError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EcoError);
  return err as EcoError;
}
