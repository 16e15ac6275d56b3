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

/**
 * Every other emulator and server listens on port 0, so the kernel hands them ports from its
 * ephemeral range (32768–60999 on Linux). A port asked of the kernel the same way is free only
 * until DynamoDB Local's JVM binds it, a second or two later: long enough for a parallel test
 * file's server to be handed the same port. DynamoDB Local then logs the failed bind and keeps
 * running without a listener, and the other server answers the readiness probe. Below that
 * range only an explicit choice takes a port, so a random free one there stays ours; the probe
 * also checks that Jetty (DynamoDB Local's server) answered, and a failed bind is retried.
 */
const PORTS_BELOW_EPHEMERAL = { from: 10_000, to: 32_767 };

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    // DynamoDB Local binds every interface.
    server.listen(port, '0.0.0.0', () => server.close(() => resolveFree(true)));
  });
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = PORTS_BELOW_EPHEMERAL.from + Math.floor(Math.random() * (PORTS_BELOW_EPHEMERAL.to - PORTS_BELOW_EPHEMERAL.from + 1));
    if (await isFree(port)) return port;
  }
}

export async function startDynamoDbLocal(port = 0) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(port || (await freePort()));
    } catch (error) {
      // Another process took the random port first: try another. A port the caller chose is theirs to fix.
      if (port || attempt === 5 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOn(chosen: number) {
  const dir = ensureDynamoDbLocal();
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
    if (output.includes('Failed to bind')) {
      child.kill('SIGKILL');
      throw new PortTakenError(`DynamoDB Local could not bind ${endpoint}: ${output.split('\n')[0]}`);
    }
    try {
      // Any answer from Jetty means DynamoDB Local is listening; it rejects this unsigned request.
      const answer = await fetch(endpoint, { method: 'POST' });
      if (answer.headers.get('server')?.startsWith('Jetty')) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not start within 60 s: ${output}`);
}
