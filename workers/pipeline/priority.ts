import { PriorityClass } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Principal } from '../principal.ts';

const RANK: Record<PriorityClass, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/** The request's priority class: the header if given (never above what the key may use), else the key's default. */
export function resolvePriority(principal: Principal, header: string | undefined): PriorityClass {
  if (header === undefined || header === '') return principal.defaultPriority;
  const parsed = PriorityClass.safeParse(header.trim().toLowerCase());
  if (!parsed.success) {
    throw new EcoError(
      400,
      'invalid_priority',
      `x-eco-priority must be one of ${PriorityClass.options.join(', ')}.`,
      {
        param: 'x-eco-priority',
      },
    );
  }
  return RANK[parsed.data] < RANK[principal.maxPriority] ? principal.maxPriority : parsed.data;
}
