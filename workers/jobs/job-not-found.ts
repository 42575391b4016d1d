import { EcoError } from '../../schemas/errors.ts';

/** Job ids are 90 characters; anything much longer is quoted only by its start. */
const MAX_QUOTED = 100;

/** 404 for a job id, quoting the id bounded so a huge path never comes back whole in the answer. */
export function jobNotFound(id: string): EcoError {
  const shown = id.length > MAX_QUOTED ? `${id.slice(0, MAX_QUOTED)}… (${id.length} characters)` : id;
  return new EcoError(404, 'job_not_found', `No job '${shown}'.`, { param: 'id' });
}
