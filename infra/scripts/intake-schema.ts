/**
 * Writes docs/intake-message.schema.json from the zod schema the intake handler validates
 * with, for producers in other AWS services. Run: `npx tsx infra/scripts/intake-schema.ts`.
 * test/infra/intake-schema.test.ts fails when the committed file and this output differ.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventMessageSchema, submissionSchema } from '@stint/core';
import { z } from 'zod';

export const INTAKE_SCHEMA_PATH = fileURLToPath(new URL('../../docs/intake-message.schema.json', import.meta.url));

export function renderIntakeSchema(): string {
  const { $schema, ...schema } = z.toJSONSchema(z.union([submissionSchema, eventMessageSchema]));
  const document = {
    $schema,
    title: 'Stint intake message',
    description:
      'Body of a message sent to the Stint intake queue (or the `detail` of an EventBridge event routed to it): a job to submit, or `{ "event": … }`, an outside event for the jobs waiting in ctx.waitForEvent. Generated from packages/core/src/submission.ts and engine/events.ts; do not edit.',
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(INTAKE_SCHEMA_PATH, renderIntakeSchema());
  console.log(`wrote ${INTAKE_SCHEMA_PATH}`);
}
