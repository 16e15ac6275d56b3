import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulators, type Emulators } from '@stint/local/emulators';

interface Endpoints {
  dynamoEndpoint: string;
  awsEndpoint: string;
}

/**
 * The emulators (in-memory dynalite, fauxqs) in a child process. In the bench's own process
 * dynalite's 100,000 items and its per-request garbage would count as the exporter's memory,
 * and its GC pauses would land inside the timed requests; apart, the bench measures the
 * client side only, and seeding uses the second core.
 */
export async function startEmulatorProcess(): Promise<Emulators & { pid: number }> {
  // The child inherits this process's execArgv, so tsx's loader runs the .ts entry too.
  const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const endpoints = await Promise.race([
    once(child, 'message').then(([message]) => message as Endpoints),
    exited.then(([code]) => Promise.reject(new Error(`emulator process exited (${code}) before it was ready`))),
  ]);
  return {
    ...endpoints,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      child.disconnect();
      await exited;
    },
  };
}

if (process.send !== undefined && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const emulators = await startEmulators();
  process.send({ dynamoEndpoint: emulators.dynamoEndpoint, awsEndpoint: emulators.awsEndpoint } satisfies Endpoints);
  // The parent going away (stop() or a crash) ends the emulators with it.
  process.once('disconnect', () => void emulators.stop().finally(() => process.exit(0)));
}
