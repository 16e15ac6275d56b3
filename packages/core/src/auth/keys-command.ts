import { parseArgs } from 'node:util';
import { StintError } from '../errors.ts';
import type { ApiKeyInfo, ApiKeyStore } from './key-store.ts';

export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

export const KEYS_USAGE = [
  'usage: npm run keys -- <command>',
  '  create --name <name> --role <admin|tenant-admin|viewer> [--tenant <tenant>]',
  '                      issues a key and prints it once; only its hash is stored',
  '  list                every key with its role, tenant and revocation time',
  '  revoke <id>         the key stops working at once',
].join('\n');

/**
 * `npm run keys -- create|list|revoke`: argv in, lines out, an exit code back. The caller
 * builds the store (local stack or a deployed table) and wires stdout/stderr.
 */
export async function runKeysCommand(argv: readonly string[], store: ApiKeyStore, io: CommandOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'create': {
        const { values } = parseArgs({
          args: [...rest],
          options: { name: { type: 'string' }, role: { type: 'string' }, tenant: { type: 'string' } },
          strict: true,
        });
        const { key, info } = await store.create({ name: values.name ?? '', role: values.role as never, tenant: values.tenant ?? null });
        io.out(`created ${describe(info)}`);
        io.out(`key: ${key}`);
        io.out('store it now: it is not shown again and cannot be recovered');
        return 0;
      }
      case 'list': {
        parseArgs({ args: [...rest], options: {}, strict: true });
        const keys = await store.list();
        if (keys.length === 0) io.out('no keys');
        for (const info of keys) io.out(describe(info));
        return 0;
      }
      case 'revoke': {
        const { positionals } = parseArgs({ args: [...rest], options: {}, allowPositionals: true, strict: true });
        if (positionals.length !== 1) {
          io.err('revoke takes exactly one key id');
          return 2;
        }
        io.out(`revoked ${describe(await store.revoke(positionals[0]!))}`);
        return 0;
      }
      default:
        io.err(KEYS_USAGE);
        return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
    }
  } catch (error) {
    // Input problems read as one line; anything else (no table, no network) surfaces whole.
    if (error instanceof StintError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err((error as Error).message);
      return error instanceof StintError && error.code !== 'badRequest' ? 1 : 2;
    }
    throw error;
  }
}

function describe(info: ApiKeyInfo): string {
  const tenant = info.tenant ?? '*';
  const revoked = info.revokedAt === null ? '' : `  revoked ${new Date(info.revokedAt).toISOString()}`;
  return `${info.id}  ${info.role}  tenant=${tenant}  "${info.name}"  created ${new Date(info.createdAt).toISOString()}${revoked}`;
}
