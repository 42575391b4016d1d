/** Kinds that live outside any namespace; their uri/urn use `cluster` in the namespace slot. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterIssuer',
  'CustomResourceDefinition',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

export interface ResourceIdentity {
  kind: string;
  name: string;
  /** metadata.namespace when set. */
  namespace: string | undefined;
}

/** The namespace segment of uri/urn: the object's namespace, `cluster`, or Kubernetes' `default`. */
export function namespaceSegment(resource: ResourceIdentity): string {
  if (resource.namespace) return resource.namespace;
  return CLUSTER_SCOPED.has(resource.kind) ? 'cluster' : 'default';
}

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** `eco-base://k8s/<namespace>/<kind>/<name>` */
export function resourceUri(ns: string, resource: ResourceIdentity): string {
  return `${ns}://k8s/${namespaceSegment(resource)}/${resource.kind.toLowerCase()}/${resource.name}`;
}

/** `urn:eco-base:k8s:<namespace>:<kind>:<name>:<unique_id>` */
export function resourceUrn(ns: string, resource: ResourceIdentity, uniqueId: string): string {
  return `urn:${ns}:k8s:${namespaceSegment(resource)}:${resource.kind.toLowerCase()}:${resource.name}:${uniqueId}`;
}
