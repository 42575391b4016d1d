import type { Rule } from '../lint/context.ts';
import { approvalChain } from './approval-chain.ts';
import { blockShape } from './block-shape.ts';
import { coherenceVector } from './coherence-vector.ts';
import { complianceTags } from './compliance-tags.ts';
import { createdAt } from './created-at.ts';
import { customTag } from './custom-tag.ts';
import { discoveryProtocol } from './discovery-protocol.ts';
import { duplicateBlock } from './duplicate-block.ts';
import { duplicateUniqueId } from './duplicate-unique-id.ts';
import { duplicateUri } from './duplicate-uri.ts';
import { fieldType } from './field-type.ts';
import { healthCheckPath } from './health-check-path.ts';
import { healthCheckProbe } from './health-check-probe.ts';
import { hostileInput } from './hostile-input.ts';
import { internalError } from './internal-error.ts';
import { k8sNamespace } from './k8s-namespace.ts';
import { lifecyclePolicy } from './lifecycle-policy.ts';
import { mergeValue } from './merge-value.ts';
import { missingBlock } from './missing-block.ts';
import { namespaceMismatch } from './namespace-mismatch.ts';
import { parseError } from './parse-error.ts';
import { registryTtl } from './registry-ttl.ts';
import { requiredField } from './required-field.ts';
import { schemaVersion } from './schema-version.ts';
import { serviceEndpoint } from './service-endpoint.ts';
import { uniqueId } from './unique-id.ts';
import { unknownKey } from './unknown-key.ts';
import { uriPrefix } from './uri-prefix.ts';
import { urnIdentity } from './urn-identity.ts';
import { urnPrefix } from './urn-prefix.ts';
import { vectorDim } from './vector-dim.ts';
import { yamlDirective } from './yaml-directive.ts';

/** Every rule, in code order. Codes are stable: never renumber, only add. */
export const RULES: readonly Rule[] = [
  internalError,
  parseError,
  hostileInput,
  yamlDirective,
  mergeValue,
  customTag,
  missingBlock,
  blockShape,
  duplicateBlock,
  requiredField,
  unknownKey,
  fieldType,
  uniqueId,
  uriPrefix,
  urnPrefix,
  schemaVersion,
  createdAt,
  complianceTags,
  lifecyclePolicy,
  approvalChain,
  serviceEndpoint,
  healthCheckPath,
  registryTtl,
  k8sNamespace,
  discoveryProtocol,
  vectorDim,
  coherenceVector,
  duplicateUniqueId,
  duplicateUri,
  namespaceMismatch,
  healthCheckProbe,
  urnIdentity,
];
