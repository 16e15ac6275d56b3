import type { Http } from './http.ts';
import type { ApiKey, CreatedApiKey, NewApiKey } from './types.ts';

/** API keys; every call needs an admin's credentials. */
export interface KeyClient {
  /** The key itself is in the answer only; store it then. */
  create(key: NewApiKey): Promise<CreatedApiKey>;
  /** Every key issued, revoked ones included. */
  list(): Promise<ApiKey[]>;
  /** The key stops working at once. */
  revoke(id: string): Promise<ApiKey>;
}

export function createKeyClient(http: Http): KeyClient {
  return {
    create: (key) => http.json<CreatedApiKey>('POST', '/api/keys', { body: key }),
    list: async () => (await http.json<{ items: ApiKey[] }>('GET', '/api/keys')).items,
    revoke: (id) => http.json<ApiKey>('DELETE', `/api/keys/${encodeURIComponent(id)}`),
  };
}
