import { z } from 'zod';

// A policy file overrides any subset of the defaults; unknown keys are rejected so a typo never
// silently falls back to a default.
const name = z.string().min(1);
const severity = z.enum(['error', 'warning', 'info', 'off']);
const count = z.number().int().positive();

export const policyOverrideSchema = z.strictObject({
  namespaces: z.array(name).min(1).optional(),
  uuidVersions: z.array(z.number().int().min(1).max(8)).min(1).optional(),
  schemaVersionPattern: name.optional(),
  lifecyclePolicies: z.array(name).min(1).optional(),
  approvalRequiredFor: z.array(name).optional(),
  endpointSchemes: z.array(name).min(1).optional(),
  discoveryProtocols: z.array(name).optional(),
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
      complianceTags: z.array(name).min(1).optional(),
      lifecyclePolicy: name.optional(),
      discoveryProtocol: name.optional(),
      registryTtl: z.number().int().min(0).optional(),
      alignmentModel: name.optional(),
      coherenceVectorDim: count.optional(),
    })
    .optional(),
});

export type PolicyOverride = z.infer<typeof policyOverrideSchema>;
