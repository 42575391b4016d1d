import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  DEFAULT_POLICY,
  type LintLimits,
  lintRun,
  overRunBudget,
  type Policy,
  parseJsonExact,
  resolvePolicy,
  type SourceFile,
} from '../../governance/index.ts';
import { shorten } from '../../governance/parse/numbers.ts';
import { governanceAudit } from '../../schemas/db/governance-audit.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { db } from '../data/db.ts';
import { readTextBody } from '../http/json-body.ts';
import { credentialErrors, errorAnswer, unsupportedEncodingAnswer } from '../http/openapi-errors.ts';
import { requireScope } from '../middleware/auth.ts';

/** Whole request body; each file is further bounded by the policy's own limits. */
export const GOVERNANCE_MAX_BODY_BYTES = 5 * 1024 * 1024;
const MAX_FILES = 500;
/** The path a raw YAML body is reported under. */
export const RAW_FILE_PATH = 'input.qyaml';

const JsonRequest = z.object({
  files: z
    .array(z.object({ path: z.string().min(1).max(1024), content: z.string() }))
    .min(1)
    .max(MAX_FILES),
  policy: z.unknown().optional(),
});

const Diagnostic = z.object({
  rule: z.string().openapi({ example: 'QY020' }),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  path: z.string().openapi({ example: 'document_metadata.unique_id' }),
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int().optional().openapi({ description: 'Line of the end of the offending text' }),
  endColumn: z
    .number()
    .int()
    .optional()
    .openapi({ description: 'Column just after the offending text (exclusive, as in SARIF)' }),
});

const GovernanceReport = z
  .object({
    files: z.array(z.object({ path: z.string(), diagnostics: z.array(Diagnostic) })),
    summary: z.object({ files: z.number().int(), errors: z.number().int(), warnings: z.number().int() }),
  })
  .openapi('GovernanceReport');

// Request bodies are documented with plain OpenAPI schemas on purpose: a zod schema would make the
// framework parse the body before the size limit is enforced, and a YAML body is not JSON at all.
const validateRoute = createRoute({
  method: 'post',
  path: '/v1/governance/validate',
  summary: 'Lint .qyaml governance manifests',
  description:
    'JSON `{files:[{path,content}], policy?}` or one raw YAML file (any YAML or text content type). ' +
    'Answers 200 with the report whatever the findings.',
  security: [{ bearer: [] }],
  middleware: [requireScope('governance')] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['files'],
            properties: {
              files: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['path', 'content'],
                  properties: { path: { type: 'string' }, content: { type: 'string' } },
                },
              },
              policy: {
                type: 'object',
                description: 'Overrides of the default policy (see docs/governance.md).',
              },
            },
          },
        },
        'application/yaml': { schema: { type: 'string', description: 'One .qyaml file.' } },
      },
    },
  },
  responses: {
    200: { description: 'The lint report', content: { 'application/json': { schema: GovernanceReport } } },
    ...credentialErrors,
    400: errorAnswer('Malformed request'),
    403: errorAnswer("The key lacks the 'governance' scope"),
    413: errorAnswer(
      'Body over 5 MiB, or files holding more YAML tokens and line breaks together than one request may parse',
    ),
    415: unsupportedEncodingAnswer,
  },
});

/**
 * A `unique_id` as the audit row keeps it. A real one is a UUID; one of up to a scalar's length (a
 * quarter of a million characters) in each of a request's files would make the row larger than D1
 * stores, and the validation would answer 500 after linting.
 */
const MAX_AUDITED_ID = 128;

export function registerGovernanceRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(validateRoute, async (c) => {
    const contentType = (c.req.header('content-type') ?? '').toLowerCase();
    const body = await readTextBody(c.req.raw, GOVERNANCE_MAX_BODY_BYTES);
    const { files, policy } = parseRequest(contentType, body);
    refuseOverBudget(files, policy);
    const { report, documentIds } = lintRun(files, policy);
    const principal = c.get('principal');
    const auditId = crypto.randomUUID();
    await db(c.env.DB)
      .insert(governanceAudit)
      .values({
        id: auditId,
        keyId: principal.keyId,
        tenant: principal.tenant,
        createdAt: Date.now(),
        files: report.summary.files,
        documentIds: documentIds.map((id) => shorten(id, MAX_AUDITED_ID)),
        errors: report.summary.errors,
        warnings: report.summary.warnings,
      });
    c.header('x-eco-audit-id', auditId);
    return c.json(report, 200);
  });
}

function parseRequest(contentType: string, body: string): { files: SourceFile[]; policy: Policy } {
  if (isJson(contentType)) return parseJsonRequest(body);
  if (isYamlOrText(contentType))
    return { files: [{ path: RAW_FILE_PATH, content: body }], policy: resolved(undefined) };
  throw new EcoError(
    400,
    'invalid_request',
    'Send application/json ({"files":[{"path","content"}]}) or a YAML body.',
    {
      param: 'content-type',
    },
  );
}

function parseJsonRequest(body: string): { files: SourceFile[]; policy: Policy } {
  // As every JSON route answers them (workers/http/json-body.ts).
  if (body.trim() === '') throw new EcoError(400, 'invalid_json', 'The request body is empty; send JSON.');
  let data: unknown;
  try {
    // Integers beyond 2^53 are kept exact, so the policy is refused by name as a policy file would be.
    data = parseJsonExact(body);
  } catch (err) {
    // Reading integers exactly walks the parsed value recursively: valid JSON nested deeply enough
    // exhausts the stack, which is no syntax error of the client's.
    if (err instanceof RangeError) {
      throw new EcoError(
        400,
        'invalid_request',
        'The request body nests arrays and objects too deeply to read.',
      );
    }
    throw new EcoError(400, 'invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = JsonRequest.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') || null;
    throw new EcoError(400, 'invalid_request', `Invalid request: ${param ?? 'body'}: ${issue?.message}`, {
      param,
    });
  }
  refuseDuplicatePaths(parsed.data.files);
  return { files: parsed.data.files, policy: resolved(parsed.data.policy) };
}

/** A run's CPU grows with its tokens: past the budget, the caller is told to split it, before any parsing. */
function refuseOverBudget(files: readonly SourceFile[], policy: Policy): void {
  const over = overRunBudget(files, policy.limits);
  if (!over) return;
  const message =
    `The files hold more than ${over.budget} YAML tokens and line breaks together (the most one request may parse; ` +
    `files.${over.fileIndex} passes it). Send them in smaller batches, or lint them with eco-lint.`;
  throw new EcoError(413, 'lint_request_too_large', message, { param: 'files' });
}

/** Findings and cross-file references name files by path: two files under one path would be ambiguous. */
function refuseDuplicatePaths(files: readonly SourceFile[]): void {
  const first = new Map<string, number>();
  files.forEach((file, index) => {
    const earlier = first.get(file.path);
    if (earlier === undefined) {
      first.set(file.path, index);
      return;
    }
    const param = `files.${index}.path`;
    const message = `Invalid request: ${param}: ${JSON.stringify(file.path)} is already the path of files.${earlier}`;
    throw new EcoError(400, 'invalid_request', message, { param });
  });
}

function resolved(input: unknown): Policy {
  const result = resolvePolicy(input);
  if (!result.ok) throw new EcoError(400, 'invalid_request', result.error, { param: 'policy' });
  // The limits bound this Worker's CPU and memory per request: a caller may tighten them, not loosen.
  for (const [name, value] of Object.entries(result.policy.limits) as [keyof LintLimits, number][]) {
    const max = DEFAULT_POLICY.limits[name];
    if (value <= max) continue;
    const message = `invalid policy: limits.${name} ${value} is over the default of ${max}, the most this API allows`;
    throw new EcoError(400, 'invalid_request', message, { param: `policy.limits.${name}` });
  }
  return result.policy;
}

function isJson(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/.test(contentType);
}

function isYamlOrText(contentType: string): boolean {
  return /^text\//.test(contentType) || /^application\/(?:x-)?(?:[\w.+-]+\+)?yaml\b/.test(contentType);
}
