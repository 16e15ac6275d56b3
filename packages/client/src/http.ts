import { errorFromResponse } from './errors.ts';

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export interface HttpOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
}

/** One call to the api: bearer token in, JSON out, non-2xx thrown as StintClientError. */
export class Http {
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(readonly options: HttpOptions) {
    // Keep a path prefix (an API Gateway stage, a proxy mount): `new URL(path, base)` would drop it.
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async send(method: string, path: string, options: { query?: Record<string, QueryValue>; body?: unknown } = {}): Promise<Response> {
    const response = await this.#fetch(`${this.#base}${path}${queryString(options.query)}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.token}`,
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      redirect: 'manual',
    });
    if (response.status >= 400) throw await errorFromResponse(response);
    return response;
  }

  async json<T>(method: string, path: string, options: { query?: Record<string, QueryValue>; body?: unknown } = {}): Promise<T> {
    return (await (await this.send(method, path, options)).json()) as T;
  }
}

/** Lists become comma-separated values, as the api's find and wait parameters take them. */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    params.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function jobPath(id: string, suffix = ''): string {
  return `/api/jobs/${encodeURIComponent(id)}${suffix}`;
}
