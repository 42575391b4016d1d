import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatSarif, formatText, lintFiles } from '../../../governance/index.ts';

const CORPUS = fileURLToPath(new URL('../../../../shared/fixtures/qyaml-corpus', import.meta.url));

function corpusFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return corpusFiles(path);
    return entry.name.endsWith('.qyaml') ? [path] : [];
  });
}

// SARIF 2.1.0's region object (sarif-schema-2.1.0.json, "region"): line and column numbers are
// integers from 1. §3.30.5-3.30.7: the region ends at or after its start; endColumn is the column
// just after it, so on one line it is at least startColumn (equal only for an empty region).
const line = z.number().int().min(1);
const Region = z
  .object({ startLine: line, startColumn: line, endLine: line.optional(), endColumn: line.optional() })
  .strict()
  .refine(
    (r) =>
      r.endLine === undefined ||
      r.endLine > r.startLine ||
      (r.endLine === r.startLine && (r.endColumn ?? Number.POSITIVE_INFINITY) > r.startColumn),
    'a region ends after it starts',
  );

const files = corpusFiles(CORPUS).map((path) => ({
  path: relative(CORPUS, path),
  content: readFileSync(path, 'utf8'),
}));
const report = lintFiles(files);

describe('SARIF regions over the corpus', () => {
  const results = JSON.parse(formatSarif(report)).runs[0].results as Array<{
    ruleId: string;
    locations: Array<{ physicalLocation: { region: unknown } }>;
  }>;

  it('are valid SARIF 2.1.0 regions, and every finding on a value or key has its end', () => {
    expect(results.length).toBeGreaterThan(80);
    for (const result of results) {
      const region = Region.parse(result.locations[0]!.physicalLocation.region);
      if (result.ruleId !== 'QY010') expect(region.endLine, result.ruleId).toBeDefined();
    }
  });

  it('cover the text as written: not empty, no blank at either end', () => {
    let spans = 0;
    for (const file of report.files) {
      const lines = files.find((f) => f.path === file.path)!.content.split('\n');
      for (const d of file.diagnostics) {
        if (d.endLine === undefined) continue;
        const first = lines[d.line - 1]!;
        const text =
          d.endLine === d.line
            ? first.slice(d.column - 1, d.endColumn! - 1)
            : `${first.slice(d.column - 1)}\n${lines[d.endLine - 1]!.slice(0, d.endColumn! - 1)}`;
        expect(text.trim(), `${file.path}:${d.line}`).toBe(text);
        expect(text.length).toBeGreaterThan(0);
        spans++;
      }
    }
    expect(spans).toBeGreaterThan(80);
  });

  it('are what the text report underlines', () => {
    const sources = new Map(files.map((f) => [f.path, f.content]));
    const text = formatText(report, { sources });
    expect(text).toContain(
      [
        '  34:14    error   QY020  unique_id "550e8400-e29b-41d4-a716-446655440000" is a version 4 UUID; expected version 1  (document_metadata.unique_id)',
        '    34 |   unique_id: "550e8400-e29b-41d4-a716-446655440000"',
        `       |              ${'^'.repeat(38)}`,
      ].join('\n'),
    );
  });
});
