import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * AWS's DynamoDB Local ships inside the amplify-dynamodb-simulator npm package. Installing
 * that package pulls ~280 dependencies, so we `npm pack` it once and keep only its
 * `emulator/` folder in a cache.
 */
const SIMULATOR = 'amplify-dynamodb-simulator@2.9.30';

export function dynamoDbLocalDir(): string {
  return resolve(process.env.STINT_CACHE_DIR ?? '.cache', 'dynamodb-local');
}

export function ensureDynamoDbLocal(): string {
  const dir = dynamoDbLocalDir();
  if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  const work = mkdtempSync(join(tmpdir(), 'ddb-local-'));
  try {
    const tarball = execFileSync('npm', ['pack', SIMULATOR, '--silent', '--pack-destination', work], { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work]);
    mkdirSync(resolve(dir, '..'), { recursive: true });
    try {
      renameSync(join(work, 'package', 'emulator'), dir);
    } catch (error) {
      // Test files start emulators in parallel: another process may have put the same
      // release in place first, and a rename onto a full directory fails.
      if (!existsSync(join(dir, 'DynamoDBLocal.jar'))) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startDynamoDbLocal(port = 0) {
  const dir = ensureDynamoDbLocal();
  const chosen = port || (await freePort());
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(chosen),
    ],
    // DynamoDB Local writes `dynamodb-local-metadata.json` (an installation id) into its working
    // directory, even with telemetry off: run it in the cache so the repo stays clean. Parallel
    // starts may write it at once; a torn file does not stop it from starting.
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
  );
  const endpoint = `http://127.0.0.1:${chosen}`;
  await waitUntilUp(endpoint, child);
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  };
}

async function waitUntilUp(endpoint: string, child: ReturnType<typeof spawn>): Promise<void> {
  const deadline = Date.now() + 60_000;
  let output = '';
  child.stderr?.on('data', (chunk) => (output += chunk));
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output}`);
    try {
      // Any HTTP answer means the server is listening; it rejects this unsigned request.
      await fetch(endpoint, { method: 'POST' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not start within 60 s: ${output}`);
}
