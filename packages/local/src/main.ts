/**
 * `npm start`: the whole Stint stack on this machine. Prints the URL and how to sign in;
 * Ctrl-C stops it cleanly (jobs, logs and records stay in STINT_DATA_DIR).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { readLocalOptions } = await import('./local-options.ts');
const { startLocalStack } = await import('./local-stack.ts');
const { createLocalHttpRouter, serveLocalHttp } = await import('./local-http.ts');

const options = readLocalOptions(process.env);
const stack = await startLocalStack(options);
const router = createLocalHttpRouter(stack, options);
const server = serveLocalHttp(router, { port: options.port });
await new Promise<void>((resolve, reject) => {
  server.once('listening', () => resolve());
  server.once('error', reject);
});

// PORT=0 asks the OS for a free port; print the one we got.
const address = server.address();
const url = `http://localhost:${typeof address === 'object' && address ? address.port : options.port}`;
console.log(`
  Stint is running at ${url}

  Sign in with the admin token${options.generatedToken ? ' (new at each start; set STINT_ADMIN_TOKEN to keep one)' : ''}:
    ${options.adminToken}

  API:       curl -H "Authorization: Bearer <token>" ${url}/api/jobs
  API docs:  ${url}/api/docs
  Data:      ${options.dataDir}
  Reports:   scheduled-run reports are printed here, as they would be emailed
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  // Requests in flight finish their writes first (idle keep-alive connections would hold the close).
  const closed = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
  if ('closeIdleConnections' in server) server.closeIdleConnections();
  const requestsDone = await Promise.race([closed, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000))]);
  await stack.stop({ requestsDone });
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
