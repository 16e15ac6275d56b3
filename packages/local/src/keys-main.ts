/**
 * `npm run keys -- create|list|revoke`. Against a deployed table when STINT_TABLE_NAME is set
 * (AWS credentials and region from the usual environment), otherwise against the local
 * stack's data directory — which dynalite locks while `npm start` runs; then use the api
 * (`POST /api/keys` with the admin token) instead.
 */
import type { Emulators } from './emulators.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { join } = await import('node:path');
const { createAwsClients } = await import('@stint/core');
const { ApiKeyStore, runKeysCommand } = await import('@stint/core/auth');
const { emulatorClients, startEmulators } = await import('./emulators.ts');
const { readLocalOptions } = await import('./local-options.ts');
const { provision } = await import('./provision.ts');

const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
const deployedTable = process.env.STINT_TABLE_NAME;
let code: number;
if (deployedTable) {
  const clients = createAwsClients(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {});
  code = await runKeysCommand(process.argv.slice(2), new ApiKeyStore(clients.dynamo, deployedTable), io);
} else {
  const options = readLocalOptions(process.env);
  let emulators: Emulators;
  try {
    emulators = await startEmulators({ dataDir: join(options.dataDir, 'dynamodb') });
  } catch (error) {
    console.error(`cannot open ${options.dataDir}: is npm start running? Stop it, or use POST /api/keys with the admin token.`);
    console.error(String(error));
    process.exit(1);
  }
  try {
    const clients = emulatorClients(emulators);
    const { tableName } = await provision(clients, { tableName: 'stint-jobs', bucketName: 'stint-exports', queuePrefix: 'stint-' });
    code = await runKeysCommand(process.argv.slice(2), new ApiKeyStore(clients.dynamo, tableName), io);
  } finally {
    await emulators.stop();
  }
}
process.exit(code);
