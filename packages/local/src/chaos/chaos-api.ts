// biome-ignore-all lint/suspicious/noExplicitAny: the chaos run reads the api's answers as loose JSON, checking them itself.

export interface ApiAnswer {
  /** The HTTP status; 0 when no answer came (the stack was killed, or the request timed out). */
  status: number;
  body: any;
}

/** The stack's HTTP api as the chaos run uses it: as an admin, never throwing for an answer. */
export class ChaosApi {
  constructor(
    public url: string,
    readonly token: string,
    readonly timeoutMs = 15_000,
  ) {}

  async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer> {
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, body: text ? safeJson(text) : null };
    } catch {
      return { status: 0, body: null };
    }
  }

  /** Every job of a tenant, children and system jobs included, following cursors. */
  async listAll(tenant: string): Promise<any[] | null> {
    const jobs: any[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ tenant, system: 'true', children: 'true', _size: '100', ...(cursor ? { cursor } : {}) });
      const answer = await this.call('GET', `/api/jobs?${query}`);
      if (answer.status !== 200) return null;
      jobs.push(...answer.body.items);
      cursor = answer.body.nextCursor;
    } while (cursor);
    return jobs;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
