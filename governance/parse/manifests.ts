import { isMap, isSeq, type Node } from 'yaml';
import { mergedMap as getMap, mergedString as getString, mergedEntries, mergedEntry } from './merge.ts';
import { type Deref, makeDeref, stringValue } from './nodes.ts';
import type { ParsedDocument } from './parse-file.ts';

/** What the cross-checks need to know about one Kubernetes object of the file. */
export interface ManifestInfo {
  kind: string;
  name: string | undefined;
  namespace: string | undefined;
  /** Where a namespace that arrives through a merge key (`<<: *placement`) is written; else undefined. */
  namespaceMergedFrom: number | undefined;
  /** True when the object declares containers (a pod or a pod template). */
  hasContainers: boolean;
  /** `httpGet.path` of every liveness, readiness and startup probe. */
  probePaths: string[];
}

const PROBE_KEYS = new Set(['livenessProbe', 'readinessProbe', 'startupProbe']);
const CONTAINER_KEYS = new Set(['containers', 'initContainers']);

/**
 * Collects the Kubernetes objects (mappings with a `kind`) of the cleanly parsed documents, read with
 * merge keys applied, as Kubernetes reads them.
 */
export function findManifests(documents: ParsedDocument[]): ManifestInfo[] {
  const manifests: ManifestInfo[] = [];
  for (const document of documents) {
    if (!document.ok) continue;
    const deref = makeDeref(document.aliasTargets);
    const root = deref(document.doc.contents);
    if (!isMap(root)) continue;
    const kind = getString(root, 'kind', deref);
    if (!kind) continue;
    const metadata = getMap(root, 'metadata', deref);
    const namespace = metadata ? mergedEntry(metadata, 'namespace', deref) : undefined;
    const info: ManifestInfo = {
      kind,
      name: metadata ? getString(metadata, 'name', deref) : undefined,
      namespace: stringValue(namespace?.value ?? null),
      namespaceMergedFrom: namespace?.merged ? (namespace.value?.range?.[0] ?? undefined) : undefined,
      hasContainers: false,
      probePaths: [],
    };
    const spec = getMap(root, 'spec', deref);
    if (spec) scanPodSpecs(spec, deref, info);
    manifests.push(info);
  }
  return manifests;
}

/** Walks the spec iteratively (bounded by the depth limit already enforced) looking for containers and probes. */
function scanPodSpecs(spec: Node, deref: Deref, info: ManifestInfo): void {
  const stack: Node[] = [spec];
  const seen = new Set<Node>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (isSeq(node)) {
      for (const item of node.items) {
        const child = deref(item);
        if (child) stack.push(child);
      }
      continue;
    }
    if (!isMap(node)) continue;
    for (const entry of mergedEntries(node, deref)) {
      const key = entry.key.value;
      const value = entry.value;
      if (!value) continue;
      if (typeof key === 'string' && CONTAINER_KEYS.has(key) && isSeq(value)) info.hasContainers = true;
      if (typeof key === 'string' && PROBE_KEYS.has(key) && isMap(value)) {
        const httpGet = getMap(value, 'httpGet', deref);
        const path = httpGet ? getString(httpGet, 'path', deref) : undefined;
        if (path !== undefined) info.probePaths.push(path);
        continue;
      }
      stack.push(value);
    }
  }
}
