import * as z from 'zod';
import { jobIdSchema, jobTypeSchema, tenantSchema } from './input-fields.ts';

/** DynamoDB's item limit is 400 KB; the job item also carries results and bookkeeping. */
export const MAX_DATA_BYTES = 64 * 1024;
/**
 * DynamoDB stores at most 32 levels of nested maps and lists, and deeper JSON only costs stack
 * in every serializer and marshaller it passes (5,000 levels overflow it). A submission is held
 * to 32 as a whole, like every JSON body the api reads, so its `data`, one level in, to 31.
 */
export const MAX_SUBMISSION_DEPTH = 32;
export const MAX_DATA_DEPTH = MAX_SUBMISSION_DEPTH - 1;
/** The latest time a JavaScript Date holds (ms since the epoch). */
export const MAX_DATE_MS = 8_640_000_000_000_000;

/**
 * A submission's `runAt` as ms since the epoch, or why it is refused. A time already past
 * starts the job now. However far ahead, a waiting job costs one index entry and no worker.
 */
export function runAtOf(runAt: number | string): { at: number } | { refusal: string } {
  const at = typeof runAt === 'number' ? runAt : Date.parse(runAt);
  if (!Number.isInteger(at) || at < 0 || at > MAX_DATE_MS)
    return { refusal: `must be ms since the epoch or an ISO 8601 date-time; got ${JSON.stringify(runAt)}` };
  return { at };
}

/**
 * Why a job's data cannot be stored, in the words of a refusal (`must …`, and what came), or
 * undefined. Depth first, without recursion, so a deep value never reaches a recursive
 * serializer; size second. The api and intake refuse it through the schema, and the engine
 * again for jobs that code submits.
 */
export function dataRefusal(data: unknown): { message: string; got: string } | undefined {
  if (nestingDepth(data, MAX_DATA_DEPTH) > MAX_DATA_DEPTH) {
    return { message: `must nest at most ${MAX_DATA_DEPTH} levels of objects and lists`, got: `more than ${MAX_DATA_DEPTH}` };
  }
  const bytes = Buffer.byteLength(JSON.stringify(data));
  if (bytes > MAX_DATA_BYTES) {
    return { message: `must be at most ${MAX_DATA_BYTES} bytes as JSON (store large inputs in S3 and pass their key)`, got: `${bytes} bytes` };
  }
  return undefined;
}

/** Levels of objects and lists in `value` (a scalar is 0), counted up to `limit + 1` at most. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    if (depth > limit) return depth;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return deepest;
}

const dataSchema = z
  .record(z.string(), z.unknown())
  .superRefine((data, ctx) => {
    const refusal = dataRefusal(data);
    if (refusal) ctx.addIssue({ code: 'custom', message: refusal.message, params: { got: refusal.got } });
  })
  .meta({
    description: `The job's input; at most ${MAX_DATA_BYTES} bytes as JSON, nested at most ${MAX_DATA_DEPTH} levels`,
    'x-maxBytes': MAX_DATA_BYTES,
    'x-maxDepth': MAX_DATA_DEPTH,
  });

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
    runBy: z
      .object({ id: z.string().min(1).max(128), name: z.string().min(1).max(200) })
      .nullable()
      .optional(),
    lowPriority: z.boolean().optional(),
    parentId: jobIdSchema.optional(),
    idempotencyKey: z.string().min(1).max(128).optional(),
    runAt: z
      .union([z.number().int().min(0).max(MAX_DATE_MS), z.iso.datetime({ offset: true })])
      .optional()
      .meta({
        description:
          'Not to start before this time: ms since the epoch, or an ISO 8601 date-time. The job waits without a worker until then; its waiting time counts from it. A child submitted with parentId is counted on its parent at once, so the parent waits for it.',
      }),
  })
  .strict();

export type Submission = z.infer<typeof submissionSchema>;
