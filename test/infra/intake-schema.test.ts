import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INTAKE_SCHEMA_PATH, renderIntakeSchema } from '../../infra/scripts/intake-schema.ts';

describe('docs/intake-message.schema.json', () => {
  it('is what infra/scripts/intake-schema.ts generates from the intake zod schema (rerun it after changing the schema)', () => {
    expect(readFileSync(INTAKE_SCHEMA_PATH, 'utf8')).toBe(renderIntakeSchema());
  });

  it('describes a closed object that needs a job type', () => {
    const schema = JSON.parse(renderIntakeSchema()) as { type: string; required: string[]; additionalProperties: boolean };
    expect(schema).toMatchObject({ type: 'object', required: ['type'], additionalProperties: false });
  });
});
