import type { LintReport } from '../types.ts';

/** The JSON report; key order is fixed so output is stable across runs. */
export function formatJson(report: LintReport): string {
  const shaped: LintReport = {
    files: report.files.map((file) => ({
      path: file.path,
      diagnostics: file.diagnostics.map((d) => ({
        rule: d.rule,
        severity: d.severity,
        message: d.message,
        path: d.path,
        line: d.line,
        column: d.column,
        // Added after the first release: present only when known, so older readers see the same shape.
        ...(d.endLine !== undefined && d.endColumn !== undefined
          ? { endLine: d.endLine, endColumn: d.endColumn }
          : {}),
      })),
    })),
    summary: {
      files: report.summary.files,
      errors: report.summary.errors,
      warnings: report.summary.warnings,
    },
  };
  return `${JSON.stringify(shaped, null, 2)}\n`;
}
