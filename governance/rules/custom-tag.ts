import type { Rule } from '../lint/context.ts';
import { STANDARD_TAGS } from '../parse/tags.ts';

/** The parser's warnings for a tag it cannot apply, each naming the tag: unknown, or not fitting. */
const TAG_WARNINGS: Readonly<Record<string, RegExp>> = {
  TAG_RESOLVE_FAILED: /^Unresolved tag: (\S+)/,
  BAD_COLLECTION_TYPE: /^(\S+) used for \S+ collection/,
};
const FLOAT_TAG = 'tag:yaml.org,2002:float';
// YAML 1.2 floats include integer literals (`!!float 1` is 1.0 to every reader), which this parser
// does not resolve under the float tag: no fault of the file. Matched just after the tag.
const INTEGER_AFTER_TAG = /\s+(?:&\S+\s+)?(["']?)[-+]?[0-9]+\1(?=[\s,\]}]|$)/y;

export const customTag: Rule = {
  code: 'QY005',
  name: 'custom-tag',
  severity: 'error',
  rationale:
    'Readers disagree on tags outside the core schema (!Ref): kubectl ignores them, safe loaders refuse the file; all refuse !!int on text.',
  checkFile(ctx, report) {
    const { source } = ctx.file;
    for (const { doc, ok } of ctx.file.documents) {
      if (!ok) continue;
      for (const warning of doc.warnings) {
        const tag = TAG_WARNINGS[warning.code]?.exec(warning.message)?.[1];
        if (tag === undefined) continue;
        const [offset, endOffset] = warning.pos;
        // The tag as written (`!e!name`), not as its %TAG handle expands.
        const written = source.slice(offset, endOffset).split(/\s/, 1)[0] || tag;
        const message = tagProblem(tag, written, source, offset + written.length);
        if (message) report({ message, path: '', offset, endOffset: offset + written.length });
      }
    }
  },
};

function tagProblem(tag: string, written: string, source: string, after: number): string | undefined {
  if (!STANDARD_TAGS.has(tag)) {
    return `tag ${written} is outside the YAML 1.2 core schema: kubectl ignores it, other YAML readers refuse the file`;
  }
  INTEGER_AFTER_TAG.lastIndex = after;
  if (tag === FLOAT_TAG && INTEGER_AFTER_TAG.test(source)) return undefined;
  return `tag ${written} does not fit its value: strict YAML readers refuse the file, others read another value`;
}
