import type { SeveritySetting } from '../types.ts';

/** Hard caps that keep hostile input within bounded time and memory. */
export interface LintLimits {
  /** Bytes of one file; larger files are rejected without parsing. */
  maxFileBytes: number;
  /** Documents in one file. */
  maxDocuments: number;
  /** Nesting depth of collections (block or flow). */
  maxDepth: number;
  /** Characters of one scalar. */
  maxScalarLength: number;
  /** Nodes that alias expansion would add to one document (the "billion laughs" guard). */
  maxAliasExpansion: number;
  /** YAML tokens of one file, counted before parsing: the parser's memory grows with them. */
  maxTokens: number;
}

/** Defaults used by `eco-lint generate`. */
export interface GeneratePolicy {
  targetSystem: string;
  schemaVersion: string;
  generatedBy: string;
  owner: string;
  complianceTags: string[];
  lifecyclePolicy: string;
  discoveryProtocol: string;
  registryTtl: number;
  alignmentModel: string;
  coherenceVectorDim: number;
}

export interface Policy {
  /** URI/URN namespaces; the first one is used when generating. */
  namespaces: string[];
  uuidVersions: number[];
  schemaVersionPattern: string;
  lifecyclePolicies: string[];
  /** Lifecycle values that require a non-empty approval_chain. */
  approvalRequiredFor: string[];
  endpointSchemes: string[];
  /** Allowed discovery protocols; empty means any string. */
  discoveryProtocols: string[];
  /** Per-rule severity overrides, by code (`QY031: error`) or name (`lifecycle-policy: off`). */
  rules: Record<string, SeveritySetting>;
  limits: LintLimits;
  generate: GeneratePolicy;
}

export const DEFAULT_POLICY: Policy = {
  namespaces: ['eco-base', 'indestructibleeco'],
  uuidVersions: [1],
  schemaVersionPattern: '^v\\d+$',
  lifecyclePolicies: ['standard', 'ephemeral', 'critical'],
  approvalRequiredFor: ['critical'],
  endpointSchemes: [
    'http',
    'https',
    'grpc',
    'grpcs',
    'tcp',
    'udp',
    'ws',
    'wss',
    'postgres',
    'postgresql',
    'mysql',
    'redis',
    'rediss',
    'mongodb',
    'amqp',
    'amqps',
    'kafka',
    'nats',
  ],
  discoveryProtocols: [],
  rules: {},
  limits: {
    maxFileBytes: 2 * 1024 * 1024,
    maxDocuments: 500,
    maxDepth: 64,
    maxScalarLength: 256 * 1024,
    maxAliasExpansion: 10_000,
    maxTokens: 100_000,
  },
  generate: {
    targetSystem: 'k8s',
    schemaVersion: 'v8',
    generatedBy: 'eco-lint',
    owner: 'platform-team',
    complianceTags: ['zero-trust', 'soc2', 'internal'],
    lifecyclePolicy: 'standard',
    discoveryProtocol: 'k8s-dns',
    registryTtl: 30,
    alignmentModel: 'BAAI/bge-large-en-v1.5',
    coherenceVectorDim: 1024,
  },
};
