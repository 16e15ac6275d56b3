import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INTAKE_SCHEMA_PATH, renderIntakeSchema } from '../../infra/scripts/intake-schema.ts';

describe('docs/intake-message.schema.json', () => {
  it('is what infra/scripts/intake-schema.ts generates from the intake zod schema (rerun it after changing the schema)', () => {
    expect(readFileSync(INTAKE_SCHEMA_PATH, 'utf8')).toBe(renderIntakeSchema());
  });

  it('describes a closed object that needs a job type, or one that holds an event with its name and key', () => {
    const schema = JSON.parse(renderIntakeSchema()) as { anyOf: Array<Record<string, unknown>> };
    expect(schema.anyOf).toHaveLength(2);
    expect(schema.anyOf[0]).toMatchObject({ type: 'object', required: ['type'], additionalProperties: false });
    expect(schema.anyOf[1]).toMatchObject({
      type: 'object',
      required: ['event'],
      additionalProperties: false,
      properties: { event: { type: 'object', required: ['name', 'key'], additionalProperties: false } },
    });
  });
});
