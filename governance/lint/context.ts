import type { Node, Scalar } from 'yaml';
import { isMap } from 'yaml';
import type { BlockName, BlockOccurrence } from '../parse/blocks.ts';
import type { ManifestInfo } from '../parse/manifests.ts';
import { type Entry, endOf, getEntry, isBlank } from '../parse/nodes.ts';
import type { ParsedFile } from '../parse/parse-file.ts';
import type { Policy } from '../policy/default-policy.ts';
import type { RuleMeta } from '../types.ts';

/** A finding before severity and position are resolved. */
export interface Finding {
  message: string;
  /** Dotted field path; empty for file-level findings. */
  path: string;
  /** Character offset into the file's source. */
  offset: number;
  /** Offset just after the offending text, when the finding is about a span of it. */
  endOffset?: number;
}

export interface FileContext {
  file: ParsedFile;
  policy: Policy;
  /** Every block occurrence in document order, duplicates included. */
  occurrences: BlockOccurrence[];
  /** The first occurrence of each block: the one the field rules check. */
  blocks: Map<BlockName, BlockOccurrence>;
  manifests: ManifestInfo[];
}

/** The document_metadata fields that checks across files compare. */
export const RUN_FIELDS = ['unique_id', 'uri'] as const;
export type RunField = (typeof RUN_FIELDS)[number];

/**
 * What a run keeps of a file once its own rules have run: its text and positions and the few values
 * compared across files. A file's parsed documents are dropped then, so a run's memory is bounded by
 * its largest file, not by the sum of them.
 */
export interface RunFile {
  file: ParsedFile;
  fields: Map<RunField, { value: Node; path: string }>;
}

export type Report = (finding: Finding) => void;
export type RunReport = (file: RunFile, finding: Finding) => void;

export interface Rule extends RuleMeta {
  checkFile?: (ctx: FileContext, report: Report) => void;
  /** Checks that span every file of a run (duplicates across files). */
  checkRun?: (files: RunFile[], report: RunReport) => void;
}

export interface FieldRef {
  block: BlockOccurrence;
  entry: Entry & { value: Node };
  path: string;
}

/** The non-blank value of `block.field`, if the block is a mapping and carries it. */
export function field(ctx: FileContext, block: BlockName, key: string): FieldRef | undefined {
  const occurrence = ctx.blocks.get(block);
  if (!occurrence || !isMap(occurrence.value)) return undefined;
  const entry = getEntry(occurrence.value, key, occurrence.deref);
  if (!entry || isBlank(entry.value)) return undefined;
  return { block: occurrence, entry: entry as Entry & { value: Node }, path: `${block}.${key}` };
}

export function at(node: Node | Scalar, path: string, message: string): Finding {
  const offset = node.range?.[0] ?? 0;
  const end = endOf(node);
  return { message, path, offset, ...(end !== undefined && end > offset ? { endOffset: end } : {}) };
}
