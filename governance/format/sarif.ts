import { RULES } from '../rules/index.ts';
import type { Diagnostic, LintReport, Severity } from '../types.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'eco-lint';
export const TOOL_VERSION = '0.1.0';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

/** SARIF 2.1.0 log for code-scanning UIs (GitHub code scanning reads `results[].locations`). */
export function toSarif(report: LintReport): Record<string, unknown> {
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.code, index]));
  const results = report.files.flatMap((file) =>
    file.diagnostics.map((d) => ({
      ruleId: d.rule,
      ruleIndex: ruleIndex.get(d.rule) ?? 0,
      level: LEVEL[d.severity],
      message: { text: d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: toUri(file.path) },
            region: regionOf(d),
          },
          ...(d.path ? { logicalLocations: [{ fullyQualifiedName: d.path, kind: 'member' }] } : {}),
        },
      ],
    })),
  );
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: TOOL_VERSION,
            rules: RULES.map((rule) => ({
              id: rule.code,
              name: rule.name,
              shortDescription: { text: rule.rationale },
              defaultConfiguration: { level: LEVEL[rule.severity] },
              help: { text: `${rule.code} ${rule.name}: ${rule.rationale} See docs/governance.md.` },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** SARIF's region: its endColumn, like ours, is the column just after the span. */
function regionOf(d: Diagnostic): Record<string, number> {
  const region: Record<string, number> = { startLine: d.line, startColumn: d.column };
  if (d.endLine !== undefined && d.endColumn !== undefined) {
    region.endLine = d.endLine;
    region.endColumn = d.endColumn;
  }
  return region;
}

export function formatSarif(report: LintReport): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}

/** Relative paths stay relative (resolved against the checkout); absolute ones become file URIs. */
function toUri(path: string): string {
  const slashed = path.replace(/\\/g, '/');
  const encoded = slashed.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(slashed)) return `file:///${encoded.replace('%3A', ':')}`;
  return slashed.startsWith('/') ? `file://${encoded}` : encoded;
}
