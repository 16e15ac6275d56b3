import * as z from 'zod';
import { jobIdSchema, jobTypeSchema, tenantSchema } from './input-fields.ts';

/** DynamoDB's item limit is 400 KB; the job item also carries results and bookkeeping. */
export const MAX_DATA_BYTES = 64 * 1024;

const dataSchema = z
  .record(z.string(), z.unknown())
  .superRefine((data, ctx) => {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > MAX_DATA_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_DATA_BYTES} bytes as JSON (store large inputs in S3 and pass their key)`,
        params: { got: `${bytes} bytes` },
      });
    }
  })
  .meta({ description: `The job's input; at most ${MAX_DATA_BYTES} bytes as JSON`, 'x-maxBytes': MAX_DATA_BYTES });

/**
 * A job submission, as it arrives over HTTP (`POST /api/jobs`) or as an intake SQS message
 * from another AWS service. The JSON Schema in docs/ is generated from this schema.
 */
export const submissionSchema = z
  .object({
    type: jobTypeSchema,
    label: z.string().min(1).max(200).optional(),
    data: dataSchema.optional(),
    tenant: tenantSchema.optional(),
    runBy: z.object({ id: z.string().min(1).max(128), name: z.string().min(1).max(200) }).nullable().optional(),
    lowPriority: z.boolean().optional(),
    parentId: jobIdSchema.optional(),
    idempotencyKey: z.string().min(1).max(128).optional(),
  })
  .strict();

export type Submission = z.infer<typeof submissionSchema>;
