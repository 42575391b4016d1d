// Shared shapes of the linter: what a rule reports and what a run returns.

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'off';

/** One finding, as every output format carries it. Line and column are 1-based. */
export interface Diagnostic {
  rule: string;
  severity: Severity;
  message: string;
  /** Dotted field path, e.g. `document_metadata.unique_id`; empty for file-level findings. */
  path: string;
  line: number;
  column: number;
  /**
   * Where the offending text (the value or key as written) ends: the position just after its last
   * character, as SARIF counts. Absent when the finding is about a point, not a span of text.
   */
  endLine?: number;
  endColumn?: number;
}

export interface FileReport {
  /** The file's path as given by the caller. */
  path: string;
  diagnostics: Diagnostic[];
}

export interface LintSummary {
  files: number;
  errors: number;
  warnings: number;
}

/** The JSON report, exactly as the CLI and the Worker route emit it. */
export interface LintReport {
  files: FileReport[];
  summary: LintSummary;
}

export interface SourceFile {
  path: string;
  content: string;
  /**
   * Set (with empty content) when the file was too large to be read at all: its size in bytes. The
   * file is reported over the size limit (QY002) instead of being read, or silently dropped.
   */
  unreadBytes?: number;
}

/** Static description of a rule, used by every output format and the documentation. */
export interface RuleMeta {
  code: string;
  name: string;
  severity: Severity;
  rationale: string;
}
