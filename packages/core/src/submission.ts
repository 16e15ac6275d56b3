import * as z from 'zod';

/**
 * A job submission, as it arrives over HTTP (`POST /api/jobs`) or as an intake SQS message
 * from another AWS service. The JSON Schema in docs/ is generated from this schema.
 */
export const submissionSchema = z
  .object({
    type: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case job type such as EXECUTE_ACTION'),
    label: z.string().min(1).max(200).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes').optional(),
    runBy: z.object({ id: z.string().min(1).max(128), name: z.string().min(1).max(200) }).nullable().optional(),
    lowPriority: z.boolean().optional(),
    parentId: z.string().min(1).max(128).optional(),
    idempotencyKey: z.string().min(1).max(128).optional(),
  })
  .strict();

export type Submission = z.infer<typeof submissionSchema>;

/** DynamoDB's item limit is 400 KB; the job item also carries results and bookkeeping. */
export const MAX_DATA_BYTES = 64 * 1024;
