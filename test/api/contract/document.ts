import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ApiStack } from '../api-stack.ts';

/**
 * The served OpenAPI document, read the way a client generator reads it: operations with
 * their parameters, bodies and responses (references resolved), and a JSON Schema validator
 * over the document itself. The contract tests derive every request and every expectation
 * from here, never from the server's code.
 */

export type Schema = Record<string, unknown> & {
  type?: string | string[];
  $ref?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  default?: unknown;
  'x-maxBytes'?: number;
  'x-maxDepth'?: number;
};

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema: Schema;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  /** `GET /api/jobs/{id}` */
  route: string;
  tags: string[];
  description?: string;
  parameters: Parameter[];
  body: Schema | null;
  /** Status → the response's JSON schema (null when it has no JSON body). */
  responses: Map<number, Schema | null>;
  authenticated: boolean;
}

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: Record<string, Record<string, unknown>>;
  security?: unknown[];
}

/**
 * A deployment's origin. The document's `servers` is the origin it was requested from; a
 * deployment is not served from localhost, which the linters rightly flag in a published one.
 */
export const DEPLOYMENT_ORIGIN = 'https://jobs.stint.test';

export async function fetchDocument(api: ApiStack): Promise<OpenApiDocument> {
  const response = await api.app.request(`${DEPLOYMENT_ORIGIN}/api/openapi.json`, { headers: { authorization: `Bearer ${api.tokens.admin}` } });
  if (response.status !== 200) throw new Error(`GET /api/openapi.json answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
}

/** The object a local `#/…` reference points at. */
export function resolve<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  let current: unknown = value;
  while (current && typeof current === 'object' && '$ref' in current && typeof current.$ref === 'string') {
    current = pointer(doc, current.$ref);
  }
  return current as T;
}

function pointer(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc);
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, raw]) => {
        const op = raw as {
          operationId: string;
          tags?: string[];
          description?: string;
          parameters?: Parameter[];
          requestBody?: { content?: Record<string, { schema: Schema }> };
          responses: Record<string, unknown>;
          security?: unknown[];
        };
        const responses = new Map<number, Schema | null>();
        for (const [status, response] of Object.entries(op.responses)) {
          const resolved = resolve<{ content?: Record<string, { schema: Schema }> }>(doc, response as never);
          responses.set(Number(status), resolved.content?.['application/json']?.schema ?? null);
        }
        return {
          operationId: op.operationId,
          method: method.toUpperCase(),
          path,
          route: `${method.toUpperCase()} ${path}`,
          tags: op.tags ?? [],
          ...(op.description ? { description: op.description } : {}),
          parameters: (op.parameters ?? []).map((p) => resolve(doc, p)),
          body: op.requestBody?.content?.['application/json']?.schema ?? null,
          responses,
          authenticated: op.security === undefined || op.security.length > 0,
        };
      }),
  );
}

/**
 * JSON Schema 2020-12 validation against the document's own schemas. The document's two
 * extensions, on a job's data, are checked too (`x-maxBytes`, `x-maxDepth`), so a body the
 * server would refuse for its size or depth is invalid here as well.
 */
export function createValidator(doc: OpenApiDocument): (schema: Schema, value: unknown) => boolean {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats.default(ajv);
  ajv.addKeyword({
    keyword: 'x-maxBytes',
    schemaType: 'number',
    validate: (max: number, data: unknown) => Buffer.byteLength(JSON.stringify(data)) <= max,
  });
  ajv.addKeyword({ keyword: 'x-maxDepth', schemaType: 'number', validate: (max: number, data: unknown) => depthOf(data) <= max });
  ajv.addSchema({ ...doc, $id: 'openapi.json' } as never);
  const compiled = new Map<Schema, ValidateFunction>();
  return (schema, value) => {
    let validate = compiled.get(schema);
    if (validate === undefined) {
      // Compiled inside the document, so its `#/components/…` references resolve.
      validate = ajv.compile(rebase(schema));
      compiled.set(schema, validate);
    }
    return validate(value) as boolean;
  };
}

/** Levels of objects and lists in a value; recursive, for the small values tests make. */
function depthOf(value: unknown): number {
  return value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
}

/** Local references point into the document, which is registered as `openapi.json`. */
function rebase(schema: unknown): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"openapi.json#/')) as Schema;
}

/** A parameter value in the query string or the path, as OpenAPI's default styles write it. */
export function serialize(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  return String(value);
}

export interface SentRequest {
  method: string;
  url: string;
  body?: unknown;
  rawQuery?: string;
}

/** Builds the request of an operation from parameter values and a body. */
export function requestOf(operation: Operation, values: Record<string, unknown>, body?: unknown, extraQuery = ''): SentRequest {
  let path = operation.path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters) {
    const value = values[parameter.name];
    if (value === undefined) continue;
    if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(serialize(value)));
    else query.append(parameter.name, serialize(value));
  }
  const text = [query.toString(), extraQuery].filter((part) => part !== '').join('&');
  return { method: operation.method, url: `${path}${text ? `?${text}` : ''}`, ...(body !== undefined ? { body } : {}) };
}
