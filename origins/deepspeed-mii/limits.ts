import { EcoError } from '../../schemas/errors.ts';

/**
 * MII's OpenAI server keeps only the first `stop` string (`request.stop = request.stop[0]`): a list of
 * several is refused with a 400, since the others would be ignored and the answer run past them.
 */
export function refuseSeveralStops(stop: unknown, engine: string): void {
  if (!Array.isArray(stop) || stop.length <= 1) return;
  throw new EcoError(400, 'unsupported_parameter', `${engine} honours only one stop string`, {
    param: 'stop',
  });
}
