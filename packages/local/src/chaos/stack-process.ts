import { spawn, type ChildProcess } from 'node:child_process';

export interface StackProcessOptions {
  /** The repository root, where `npm start` runs. */
  cwd: string;
  env: Record<string, string>;
  /** Each line the stack prints (stdout and stderr). */
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
}

/**
 * `npm start` in its own process group, so a kill takes the whole group at once (npm, the
 * shell, tsx and the node process running the stack), as a machine losing power would.
 */
export class StackProcess {
  #running = true;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly exited: Promise<void>,
  ) {
    void exited.then(() => (this.#running = false));
  }

  /** False once the stack's processes are gone (killed, stopped, or exited on their own). */
  get running(): boolean {
    return this.#running;
  }

  static async start(options: StackProcessOptions): Promise<StackProcess> {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve())).then(() => groupGone(child));
    const killOnExit = () => signalGroup(child, 'SIGKILL');
    process.once('exit', killOnExit);
    void exited.then(() => process.removeListener('exit', killOnExit));

    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        signalGroup(child, 'SIGKILL');
        reject(new Error(`npm start printed no URL within ${options.startTimeoutMs ?? 120_000} ms`));
      }, options.startTimeoutMs ?? 120_000);
      const lines = (chunk: Buffer, carry: { rest: string }) => {
        const text = carry.rest + chunk.toString();
        const parts = text.split('\n');
        carry.rest = parts.pop() ?? '';
        for (const line of parts) {
          options.onLine?.(line);
          const match = /running at (http:\/\/\S+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        }
      };
      const out = { rest: '' };
      const err = { rest: '' };
      child.stdout!.on('data', (chunk: Buffer) => lines(chunk, out));
      child.stderr!.on('data', (chunk: Buffer) => lines(chunk, err));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`npm start exited before it was ready (code ${child.exitCode})`));
      });
    });
    return new StackProcess(child, url, exited);
  }

  /** SIGKILL to the whole group; resolves once every process of it is gone. */
  async kill(): Promise<void> {
    signalGroup(this.child, 'SIGKILL');
    await this.exited;
  }

  /** Ctrl-C's clean stop (SIGTERM to the group), a kill if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    signalGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** npm may exit before the node process it started: wait until the group is empty. */
async function groupGone(child: ChildProcess): Promise<void> {
  for (;;) {
    try {
      process.kill(-child.pid!, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    // A negative pid signals the process group the detached child leads.
    process.kill(-child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
