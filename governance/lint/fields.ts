import type { BlockName } from '../parse/blocks.ts';

/**
 * How a field's value is checked by the generic type rule. `own` fields have a dedicated rule that
 * checks their type together with their format, so the generic rule leaves them alone.
 */
export type FieldKind = 'string' | 'string-list' | 'string-or-list' | 'own';

export interface FieldSpec {
  required: boolean;
  kind: FieldKind;
}

export const BLOCK_FIELDS: Record<BlockName, Record<string, FieldSpec>> = {
  document_metadata: {
    unique_id: { required: true, kind: 'own' },
    uri: { required: true, kind: 'own' },
    urn: { required: true, kind: 'own' },
    target_system: { required: true, kind: 'string' },
    schema_version: { required: true, kind: 'own' },
    generated_by: { required: true, kind: 'string' },
    created_at: { required: true, kind: 'own' },
    cross_layer_binding: { required: false, kind: 'string-list' },
  },
  governance_info: {
    owner: { required: true, kind: 'string' },
    compliance_tags: { required: true, kind: 'own' },
    lifecycle_policy: { required: true, kind: 'own' },
    approval_chain: { required: false, kind: 'string-list' },
  },
  registry_binding: {
    service_endpoint: { required: true, kind: 'own' },
    health_check_path: { required: true, kind: 'own' },
    discovery_protocol: { required: false, kind: 'own' },
    registry_ttl: { required: false, kind: 'own' },
    k8s_namespace: { required: false, kind: 'own' },
  },
  vector_alignment_map: {
    alignment_model: { required: true, kind: 'string' },
    coherence_vector_dim: { required: true, kind: 'own' },
    coherence_vector: { required: false, kind: 'own' },
    function_keyword: { required: false, kind: 'string-or-list' },
    contextual_binding: { required: false, kind: 'string' },
  },
};
