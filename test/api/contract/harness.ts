import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '@stint/functions/api/api-env';
import { DEPLOYMENT_ORIGIN, type Operation, type Schema } from './document.ts';

/** A request as a client of the document sends it. */
export interface Call {
  method: string;
  url: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  contentType: string;
  headers: Headers;
  /** The parsed body of a JSON answer. */
  json: unknown;
  text: string;
}

export async function send(app: OpenAPIHono<ApiEnv>, call: Call): Promise<Answer> {
  const response = await app.request(`${DEPLOYMENT_ORIGIN}${call.url}`, {
    method: call.method,
    headers: {
      ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
      ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...call.headers,
    },
    ...(call.body !== undefined ? { body: typeof call.body === 'string' ? call.body : JSON.stringify(call.body) } : {}),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    contentType,
    headers: response.headers,
    json: contentType.startsWith('application/json') ? JSON.parse(text) : undefined,
    text,
  };
}

/**
 * What the document promises of any answer: no 5xx, a status it lists, and a JSON body valid
 * against the schema it gives for that status. Returns the broken promises, empty when kept.
 */
export function brokenPromises(operation: Operation, answer: Answer, isValid: (schema: Schema, value: unknown) => boolean): string[] {
  const problems: string[] = [];
  // 503 is the documented answer of a throttled table; any other 5xx is the api's own failure.
  if (answer.status >= 500 && answer.status !== 503) problems.push(`${operation.route} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  if (!operation.responses.has(answer.status))
    problems.push(`${operation.route} answered ${answer.status}, which it does not document: ${answer.text.slice(0, 300)}`);
  const schema = operation.responses.get(answer.status);
  if (schema && !isValid(schema, answer.json))
    problems.push(`${operation.route} answered ${answer.status} with a body its schema refuses: ${answer.text.slice(0, 300)}`);
  return problems;
}

/** The error of a refusal: `{ error: { code, message, field? } }`. */
export function errorOf(answer: Answer): { code: string; message: string; field?: string } {
  return (answer.json as { error: { code: string; message: string; field?: string } }).error;
}
