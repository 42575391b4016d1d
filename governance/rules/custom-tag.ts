import type { Rule } from '../lint/context.ts';

// The YAML 1.2 core schema's tags and the YAML 1.1 types readers still know: the parser resolves a
// value under one of them or fails to read it as that type, which the value rules then report.
const STANDARD = new Set(
  [
    'str',
    'int',
    'float',
    'bool',
    'null',
    'map',
    'seq',
    'binary',
    'set',
    'omap',
    'pairs',
    'timestamp',
    'merge',
  ].map((name) => `tag:yaml.org,2002:${name}`),
);
const UNRESOLVED = /^Unresolved tag: (\S+)/;

export const customTag: Rule = {
  code: 'QY005',
  name: 'custom-tag',
  severity: 'error',
  rationale:
    'Readers disagree on tags outside the core schema (!Ref, !!python/object): kubectl ignores them, safe loaders refuse the file.',
  checkFile(ctx, report) {
    const { source } = ctx.file;
    for (const { doc, ok } of ctx.file.documents) {
      if (!ok) continue;
      for (const warning of doc.warnings) {
        if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
        const tag = UNRESOLVED.exec(warning.message)?.[1];
        if (tag === undefined || STANDARD.has(tag)) continue;
        const [offset, endOffset] = warning.pos;
        // The tag as written (`!e!name`), not as its %TAG handle expands.
        const written = source.slice(offset, endOffset).split(/\s/, 1)[0] || tag;
        const message = `tag ${written} is outside the YAML 1.2 core schema: kubectl ignores it, other YAML readers refuse the file`;
        report({ message, path: '', offset, endOffset: offset + written.length });
      }
    }
  },
};
