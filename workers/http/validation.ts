import type { z } from '@hono/zod-openapi';
import { EcoError } from '../../schemas/errors.ts';

type Issue = z.core.$ZodIssue;

/** The first zod issue as an EcoError whose `param` is the dotted path of the bad field. */
export function validationError(error: z.ZodError): EcoError {
  const first = error.issues[0];
  if (!first) return new EcoError(400, 'invalid_request', 'The request body is not valid.');
  const { path, message } = explain(first, []);
  const param = path.length > 0 ? path.map(String).join('.') : null;
  return new EcoError(400, 'invalid_request', param ? `Invalid value for '${param}': ${message}` : message, {
    param,
  });
}

/**
 * A union says only "Invalid input"; the caller needs to know what would have been accepted. The
 * branch that got furthest explains it (a list of four stops with a fifth: "at most 4 items"); when
 * none did, the message lists what each branch expected.
 */
function explain(issue: Issue, base: PropertyKey[]): { path: PropertyKey[]; message: string } {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union') return { path, message: issue.message };
  // A bad discriminator (e.g. an unknown message role) is reported on the union; name the field itself.
  const discriminator = (issue as { discriminator?: string }).discriminator;
  if (discriminator) {
    if (path.at(-1) !== discriminator) path.push(discriminator);
    return { path, message: issue.message };
  }
  const firsts = issue.errors.map((branch) => branch[0]).filter((i): i is Issue => i !== undefined);
  // Of the branches that took the value's kind, the one with the fewest complaints fits best (a list
  // of token ids with one bad id, not a list of texts that none of its numbers is), and of those the
  // one that got deepest into the value.
  let near: Issue[] | undefined;
  for (const branch of issue.errors) {
    if (branch[0] === undefined || mismatch(branch[0])) continue;
    if (
      near === undefined ||
      branch.length < near.length ||
      (branch.length === near.length && branch[0].path.length > near[0]!.path.length)
    )
      near = branch;
  }
  if (near) return explain(near[0]!, path);
  if (firsts.length > 0 && firsts.every((i) => i.code === 'invalid_type' && i.path.length === 0)) {
    const expected = [...new Set(firsts.map((i) => (i as { expected: string }).expected))];
    const received = /received (\S+)$/.exec(firsts[0]!.message)?.[1];
    return { path, message: `expected ${expected.join(' or ')}${received ? `, received ${received}` : ''}` };
  }
  const at = firsts[0]?.path.map(String).join('.');
  if (
    firsts.length > 0 &&
    firsts.every((i) => i.code === 'invalid_value' && i.path.map(String).join('.') === at)
  ) {
    const values = firsts.flatMap((i) => (i as { values: unknown[] }).values.map((v) => JSON.stringify(v)));
    return { path: [...path, ...firsts[0]!.path], message: `expected one of ${values.join(', ')}` };
  }
  // A list of literals or another type (`tool_choice`: "none" | "auto" | "required" | object).
  if (firsts.length > 0 && firsts.every((i) => i.path.length === 0 && mismatch(i))) {
    const values = firsts.flatMap((i) =>
      i.code === 'invalid_value' ? i.values.map((v) => JSON.stringify(v)) : [],
    );
    const types = [...new Set(firsts.flatMap((i) => (i.code === 'invalid_type' ? [i.expected] : [])))];
    const received = firsts.map((i) => /received (\S+)$/.exec(i.message)?.[1]).find(Boolean);
    const expected = [values.length > 0 ? `one of ${values.join(', ')}` : '', ...types].filter(Boolean);
    return { path, message: `expected ${expected.join(' or ')}${received ? `, received ${received}` : ''}` };
  }
  return { path, message: issue.message };
}

/** The value is of another kind than this branch takes (its type, or the literal that tags it). */
function mismatch(issue: Issue): boolean {
  return (
    (issue.code === 'invalid_type' && issue.path.length === 0) ||
    (issue.code === 'invalid_value' && issue.path.length <= 1)
  );
}
