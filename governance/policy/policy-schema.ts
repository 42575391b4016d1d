import { z } from 'zod';

// A policy file overrides any subset of the defaults; unknown keys are rejected so a typo never
// silently falls back to a default.
// Lists and names are bounded: every finding that names what a policy allows quotes from them, and
// a policy is checked against every file of a run.
const MAX_NAME = 200;
const MAX_LIST = 100;
const name = z.string().min(1).max(MAX_NAME);
const names = z.array(name).max(MAX_LIST);
const severity = z.enum(['error', 'warning', 'info', 'off']);
const count = z.number().int().positive();

export const policyOverrideSchema = z.strictObject({
  namespaces: names.min(1).optional(),
  uuidVersions: z.array(z.number().int().min(1).max(8)).min(1).max(8).optional(),
  schemaVersionPattern: name.optional(),
  lifecyclePolicies: names.min(1).optional(),
  approvalRequiredFor: names.optional(),
  endpointSchemes: names.min(1).optional(),
  discoveryProtocols: names.optional(),
  rules: z.record(z.string(), severity).optional(),
  // Lowering QY000-QY002 lets a file that was never fully checked pass CI: it takes this second, explicit key.
  acceptUncheckedFiles: z.boolean().optional(),
  limits: z
    .strictObject({
      maxFileBytes: count.optional(),
      maxDocuments: count.optional(),
      maxDepth: count.optional(),
      maxScalarLength: count.optional(),
      maxAliasExpansion: z.number().int().min(0).optional(),
      maxTokens: count.optional(),
    })
    .optional(),
  generate: z
    .strictObject({
      targetSystem: name.optional(),
      schemaVersion: name.optional(),
      generatedBy: name.optional(),
      owner: name.optional(),
      complianceTags: names.min(1).optional(),
      lifecyclePolicy: name.optional(),
      discoveryProtocol: name.optional(),
      registryTtl: z.number().int().min(0).optional(),
      alignmentModel: name.optional(),
      coherenceVectorDim: count.optional(),
    })
    .optional(),
});

export type PolicyOverride = z.infer<typeof policyOverrideSchema>;
