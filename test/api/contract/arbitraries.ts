import fc from 'fast-check';
import { resolve, type OpenApiDocument, type Schema } from './document.ts';

/**
 * fast-check arbitraries from the document's JSON Schemas: values a schema accepts, and values
 * that break exactly one of its rules (with the path of the broken value), for the subset of
 * JSON Schema the document uses. Sizes are kept small: the point is every rule, not volume.
 */

const MAX_GENERATED_LENGTH = 40;
const MAX_GENERATED_ITEMS = 4;
const INT32 = 2 ** 31 - 1;

export interface Generators {
  /** Values `schema` accepts (unions and cross-property rules are met by filtering). */
  valid(schema: Schema): fc.Arbitrary<unknown>;
  /** Values that break one rule of `schema`, each with the path (within the value) of what broke. */
  violations(schema: Schema, context: ViolationContext): Array<fc.Arbitrary<Violation>>;
}

export interface Violation {
  value: unknown;
  /** Dotted path within the value of the part that breaks its schema (`''` for the value itself). */
  at: string;
  /** Which rule: `type`, `maximum`, `pattern`, `required`, … */
  rule: string;
}

export interface ViolationContext {
  /**
   * A parameter travels as text: `7` reads as the string "7", and an empty query value means
   * "not given", so no violation of a parameter may rely on a JSON type or be empty.
   */
  asText: boolean;
}

export function generators(doc: OpenApiDocument, isValid: (schema: Schema, value: unknown) => boolean): Generators {
  const at = (schema: Schema) => resolve<Schema>(doc, schema);

  function valid(raw: Schema): fc.Arbitrary<unknown> {
    const schema = at(raw);
    const base = baseValid(schema);
    // A rule across properties (anyOf/oneOf beside properties, minProperties): filter.
    const constrained = (schema.anyOf || schema.oneOf) && (schema.properties || schema.type) ? true : schema.minProperties !== undefined;
    return constrained ? base.filter((value) => isValid(schema, value)) : base;
  }

  function baseValid(schema: Schema): fc.Arbitrary<unknown> {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if ('const' in schema) return fc.constant(schema.const);
    const union = schema.oneOf ?? schema.anyOf;
    if (union && !schema.type && !schema.properties) return fc.oneof(...union.map(valid));
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length > 1) return fc.oneof(...types.map((type) => baseValid({ ...schema, type })));
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return integer(schema.minimum ?? -1000, schema.maximum ?? 1_000_000);
      case 'number':
        return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
      case 'string':
        return string(schema);
      case 'array': {
        const items = valid(schema.items ?? {});
        const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? MAX_GENERATED_ITEMS, MAX_GENERATED_ITEMS) };
        return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (item) => JSON.stringify(item) }) : fc.array(items, constraints);
      }
      case 'object':
        return object(schema);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  function object(schema: Schema): fc.Arbitrary<unknown> {
    const properties = schema.properties ?? {};
    const required = schema.required ?? [];
    if (Object.keys(properties).length === 0 && schema.additionalProperties !== false) {
      const values = typeof schema.additionalProperties === 'object' ? valid(schema.additionalProperties) : fc.jsonValue({ maxDepth: 2 });
      return fc.dictionary(fc.string({ maxLength: 10 }), values, { maxKeys: 4 });
    }
    const record = fc.record(Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valid(property)])), { requiredKeys: required });
    return record;
  }

  function violations(raw: Schema, context: ViolationContext): Array<fc.Arbitrary<Violation>> {
    const schema = at(raw);
    const broken = (value: unknown, rule: string, path = ''): Violation => ({ value, at: path, rule });
    const out: Array<fc.Arbitrary<Violation>> = [];
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    const blank = '  ';
    if (schema.enum) {
      out.push(fc.constant(broken(context.asText ? blank : 'not-one-of-them', 'enum')));
      return out;
    }
    if (types.includes('integer') || types.includes('number')) {
      if (schema.maximum !== undefined) out.push(fc.constant(broken(schema.maximum + 1, 'maximum')));
      if (schema.minimum !== undefined) out.push(fc.constant(broken(schema.minimum - 1, 'minimum')));
      if (types.includes('integer')) out.push(fc.constant(broken((schema.minimum ?? 0) + 0.5, 'type')));
      out.push(fc.constant(broken(context.asText ? blank : 'seven', 'type')));
    }
    if (types.includes('boolean')) out.push(fc.constant(broken(context.asText ? 'yes' : 1, 'type')));
    if (types.includes('string')) {
      if (schema.maxLength !== undefined) out.push(fc.constant(broken('x'.repeat(schema.maxLength + 1), 'maxLength')));
      if (schema.minLength !== undefined && schema.minLength > 0 && !context.asText) out.push(fc.constant(broken('', 'minLength')));
      if (schema.pattern !== undefined) {
        const pattern = new RegExp(schema.pattern, 'u');
        const bad = [blank, '§', 'a b §'].find((text) => !pattern.test(text));
        if (bad !== undefined) out.push(fc.constant(broken(bad, 'pattern')));
      }
      if (!context.asText && !types.includes('null')) out.push(fc.constant(broken(7, 'type')));
    }
    if (types.includes('array')) {
      const items = schema.items ? at(schema.items) : {};
      if (schema.maxItems !== undefined && (!items.enum || items.enum.length > schema.maxItems)) {
        const count = schema.maxItems + 1;
        out.push(
          fc
            .uniqueArray(valid(items), { minLength: count, maxLength: count, selector: (item) => JSON.stringify(item) })
            .map((value) => broken(value, 'maxItems')),
        );
      }
      if (schema.minItems !== undefined && schema.minItems > 0 && !context.asText) out.push(fc.constant(broken([], 'minItems')));
      // No `uniqueItems` violation: list parameters (in a query or a bulk filter) drop repeats
      // as they read, so a repeat is accepted there; the schema asks clients not to send one.
      for (const itemViolation of violations(items, context)) {
        out.push(itemViolation.map((v) => broken([v.value], v.rule, context.asText ? '' : join('0', v.at))));
      }
      if (!context.asText) out.push(fc.constant(broken('not a list', 'type')));
    }
    // A job's data over its bytes. (Over its depth, the whole body is past the 32 levels every
    // body is held to, which is refused as the body's, before the data is read: limits.test.ts.)
    if (schema['x-maxBytes'] !== undefined && !context.asText) out.push(fc.constant(broken({ blob: 'x'.repeat(schema['x-maxBytes']) }, 'x-maxBytes')));
    if (types.includes('object') && schema.properties) {
      const base = valid({ ...schema, type: 'object' }) as fc.Arbitrary<Record<string, unknown>>;
      for (const name of schema.required ?? []) {
        out.push(base.map((value) => broken(Object.fromEntries(Object.entries(value).filter(([key]) => key !== name)), 'required', name)));
      }
      if (schema.additionalProperties === false) out.push(base.map((value) => broken({ ...value, unexpected: 1 }, 'additionalProperties', 'unexpected')));
      for (const [name, property] of Object.entries(schema.properties)) {
        for (const inner of violations(property, context)) {
          out.push(fc.tuple(base, inner).map(([value, v]) => broken({ ...value, [name]: v.value }, v.rule, join(name, v.at))));
        }
      }
      if (!types.includes('null')) out.push(fc.constant(broken('not an object', 'type')));
    }
    return out;
  }

  return { valid, violations };
}

function integer(min: number, max: number): fc.Arbitrary<number> {
  if (min >= -INT32 && max <= INT32) return fc.integer({ min, max });
  return fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
}

function string(schema: Schema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? MAX_GENERATED_LENGTH, Math.max(minLength, MAX_GENERATED_LENGTH));
  if (schema.pattern !== undefined) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length >= minLength && text.length <= (schema.maxLength ?? Infinity));
  }
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'date-time')
    return fc.date({ min: new Date(0), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true }).map((date) => date.toISOString());
  return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' });
}

const join = (...parts: string[]) => parts.filter((part) => part !== '').join('.');
