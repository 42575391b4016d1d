import { EcoError } from '../../schemas/errors.ts';
import { OLLAMA } from './request.ts';

// The runners' `errorInputTooLong` (runner/llamarunner and runner/ollamarunner, `NewSequence`).
const INPUT_TOO_LONG = /the input length exceeds the context length/i;

/**
 * Ollama's refusal of an input longer than the model's context, as the client error it is. Releases
 * pass it on as 400, 413 or 500 (and, before errors carried a status, as a line after the 200), so
 * the wording decides, not the status.
 */
export function inputTooLong(message: string): EcoError | undefined {
  if (!INPUT_TOO_LONG.test(message)) return undefined;
  return new EcoError(400, 'context_length_exceeded', `${OLLAMA}: ${message}`);
}
