import { v1 as uuidV1 } from 'uuid';
import { Document, isMap, isScalar, isSeq, visit, type YAMLMap } from 'yaml';
import { lintText } from '../lint/lint.ts';
import { findBlocks } from '../parse/blocks.ts';
import { normalizeLineBreaks } from '../parse/line-breaks.ts';
import { findManifests, type ManifestInfo } from '../parse/manifests.ts';
import { mergedMap as getMap, mergedString as getString, mergedEntry } from '../parse/merge.ts';
import { makeDeref } from '../parse/nodes.ts';
import { integerValue } from '../parse/numbers.ts';
import { type ParsedFile, parseFile } from '../parse/parse-file.ts';
import { isYaml11Boolean } from '../parse/yaml11.ts';
import { DEFAULT_POLICY, type Policy } from '../policy/default-policy.ts';
import { isProbePath } from '../rules/health-check-path.ts';
import { hasYamlDirective } from '../rules/yaml-directive.ts';
import {
  isClusterScoped,
  namespaceSegment,
  type ResourceIdentity,
  resourceUri,
  resourceUrn,
} from './identity.ts';

export interface GenerateOptions {
  policy?: Policy;
  /** URI/URN namespace; defaults to the policy's first namespace (`eco-base`). */
  namespace?: string;
  owner?: string;
  now?: Date;
  uniqueId?: string;
}

export type GenerateResult =
  | { ok: true; output: string; governance: string; uniqueId: string; resource: ResourceIdentity }
  | { ok: false; error: string };

/** Appends a governance document (the four blocks) describing the manifest's primary object. */
export function generateGovernance(source: string, options: GenerateOptions = {}): GenerateResult {
  const policy = options.policy ?? DEFAULT_POLICY;
  // The output must lint clean: refuse what the linter would reject rather than emit it.
  if (options.namespace !== undefined && !policy.namespaces.includes(options.namespace)) {
    const allowed = policy.namespaces.join(', ');
    return {
      ok: false,
      error: `namespace ${options.namespace} is not one of the policy namespaces ${allowed}`,
    };
  }
  if (hasYamlDirective(source))
    return { ok: false, error: 'manifest has a %YAML directive, which .qyaml files must not carry' };
  const file = parseFile('manifest', source, policy.limits);
  const problem = file.problems[0];
  if (problem) return { ok: false, error: `manifest does not parse: ${problem.message}` };
  if (findBlocks(file.documents).length > 0)
    return { ok: false, error: 'manifest already carries governance blocks' };
  const manifests = findManifests(file.documents);
  const primary = manifests.find((m) => m.name !== undefined);
  if (!primary?.name) return { ok: false, error: 'no Kubernetes object with kind and metadata.name found' };
  const resource: ResourceIdentity = { kind: primary.kind, name: primary.name, namespace: primary.namespace };
  const uniqueId = options.uniqueId ?? uuidV1();
  const governance = governanceDocument(resource, uniqueId, file, manifests, { ...options, policy });
  // trimEnd, not /\s*$/: the regex retries from every blank of a long run (quadratic).
  // The manifest is copied with its lone CRs as LF, so the whole output has one kind of line break.
  const body = `${normalizeLineBreaks(source).trimEnd()}\n`;
  const output = `${body}${governance}`;
  // The checks above cannot foresee everything the manifest carries into the output (a custom tag,
  // `<<: 1`) or an option puts in it (a blank owner): what would not lint is not emitted.
  const lintError = firstLintError(output, policy);
  if (lintError) return { ok: false, error: `output would not lint clean: ${lintError}` };
  return { ok: true, output, governance, uniqueId, resource };
}

/** The output's first error-level finding under the policy, with how many others follow it. */
function firstLintError(output: string, policy: Policy): string | undefined {
  const report = lintText('generated.qyaml', output, policy);
  const errors = report.files[0]?.diagnostics.filter((d) => d.severity === 'error') ?? [];
  const [first] = errors;
  if (!first) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.line}:${first.column} ${first.rule} ${first.message}${more}`;
}

function governanceDocument(
  resource: ResourceIdentity,
  uniqueId: string,
  file: ParsedFile,
  manifests: ManifestInfo[],
  options: GenerateOptions & { policy: Policy },
): string {
  const gen = options.policy.generate;
  const ns = options.namespace ?? options.policy.namespaces[0] ?? 'eco-base';
  const owner = options.owner ?? gen.owner;
  const kind = resource.kind.toLowerCase();
  const registry: Record<string, unknown> = {
    service_endpoint: serviceEndpoint(file, resource),
    discovery_protocol: gen.discoveryProtocol,
    health_check_path: manifests.flatMap((m) => m.probePaths).find(isProbePath) ?? 'n/a',
    registry_ttl: gen.registryTtl,
  };
  if (!isClusterScoped(resource.kind)) registry['k8s_namespace'] = namespaceSegment(resource);
  const doc = new Document({
    document_metadata: {
      unique_id: uniqueId,
      uri: resourceUri(ns, resource),
      urn: resourceUrn(ns, resource, uniqueId),
      target_system: gen.targetSystem,
      cross_layer_binding: [],
      schema_version: gen.schemaVersion,
      generated_by: gen.generatedBy,
      created_at: (options.now ?? new Date()).toISOString(),
    },
    governance_info: {
      owner,
      approval_chain: [owner],
      compliance_tags: gen.complianceTags,
      lifecycle_policy: gen.lifecyclePolicy,
    },
    registry_binding: registry,
    vector_alignment_map: {
      alignment_model: gen.alignmentModel,
      coherence_vector_dim: gen.coherenceVectorDim,
      function_keyword: [resource.name, kind],
      contextual_binding: `${resource.name} -> []`,
    },
  });
  flowShortLists(doc.contents as YAMLMap);
  quoteScalars(doc);
  (doc.contents as YAMLMap).commentBefore =
    ` Governance blocks for ${resource.kind}/${resource.name}, generated by eco-lint`;
  return `---\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}

// Quoted like the existing manifests, and so YAML 1.1 readers never take the timestamp for a date.
const QUOTED: ReadonlyArray<[string, string]> = [
  ['document_metadata', 'unique_id'],
  ['document_metadata', 'uri'],
  ['document_metadata', 'urn'],
  ['document_metadata', 'created_at'],
  ['registry_binding', 'service_endpoint'],
  ['registry_binding', 'health_check_path'],
  ['vector_alignment_map', 'contextual_binding'],
];

function quoteScalars(doc: Document): void {
  for (const path of QUOTED) {
    const node = doc.getIn(path, true);
    if (isScalar(node)) node.type = 'QUOTE_DOUBLE';
  }
  // An owner `no` or an object named `on` stays text to YAML 1.1 readers only when quoted.
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && isYaml11Boolean(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
}

/** Lists of short strings read better inline, as the existing manifests write them. */
function flowShortLists(root: YAMLMap): void {
  for (const block of root.items) {
    if (!isMap(block.value)) continue;
    for (const pair of block.value.items) if (isSeq(pair.value)) pair.value.flow = true;
  }
}

/** The cluster DNS name of the file's first Service (or of the object itself when it is one). */
function serviceEndpoint(file: ParsedFile, resource: ResourceIdentity): string {
  for (const document of file.documents) {
    const deref = makeDeref(document.aliasTargets);
    const root = deref(document.doc.contents);
    if (!isMap(root) || getString(root, 'kind', deref) !== 'Service') continue;
    const metadata = getMap(root, 'metadata', deref);
    const name = metadata ? getString(metadata, 'name', deref) : undefined;
    if (!name) continue;
    const namespace =
      (metadata && getString(metadata, 'namespace', deref)) ?? resource.namespace ?? 'default';
    const port = firstPort(root, deref);
    return `http://${name}.${namespace}.svc.cluster.local${port ? `:${port}` : ''}`;
  }
  return 'n/a';
}

function firstPort(service: YAMLMap, deref: ReturnType<typeof makeDeref>): number | undefined {
  const spec = getMap(service, 'spec', deref);
  const ports = spec ? (mergedEntry(spec, 'ports', deref)?.value ?? null) : null;
  if (!isSeq(ports)) return undefined;
  const first = deref(ports.items[0]);
  if (!isMap(first)) return undefined;
  // Kubernetes reads the port with merge keys applied; one not read exactly is left out, not rounded.
  const port = integerValue(mergedEntry(first, 'port', deref)?.value);
  return port !== undefined && port > 0 && port <= 65_535 ? port : undefined;
}
