import type { Rule } from '../lint/context.ts';

// A byte order mark may start the stream (or any document in it); the directive follows it.
const DIRECTIVE = /^\uFEFF?%YAML\b/gm;

export const yamlDirective: Rule = {
  code: 'QY003',
  name: 'yaml-directive',
  severity: 'error',
  rationale:
    'The specification forbids %YAML: a directive makes parsers read the file as another YAML version.',
  checkFile(ctx, report) {
    const source = ctx.file.source;
    if (!hasYamlDirective(source)) return;
    for (const match of source.matchAll(DIRECTIVE)) {
      const lineEnd = source.indexOf('\n', match.index);
      const endOffset = lineEnd === -1 ? source.length : lineEnd;
      report({ message: '%YAML directive is not allowed', path: '', offset: match.index, endOffset });
    }
  },
};

export function hasYamlDirective(source: string): boolean {
  return source.includes('%YAML') && /^\uFEFF?%YAML\b/m.test(source);
}
