/**
 * SST's platform (the components' TypeScript sources, their Pulumi dependencies and the
 * `config.d.ts` SST generates), installed once into a cache the way SST installs it into a
 * project's `.sst/platform`, so `npm run check:sst` can type-check the front door against it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The SST release the front door is checked against, and the one docs/deploy.md deploys with. */
export const SST_VERSION = '4.17.1';

export interface SstPlatform {
  /** The SST project the platform was installed for: its `sst.config.ts` re-exports the repository's. */
  projectDir: string;
  /** `<projectDir>/.sst/platform`, holding `config.d.ts`, `src/` and `node_modules/`. */
  platformDir: string;
}

export function sstPlatformDir(): string {
  return resolve(process.env.STINT_CACHE_DIR ?? '.cache', `sst-${SST_VERSION}`);
}

/**
 * Installs the pinned CLI (npm brings the binary for this OS as an optional dependency) and runs
 * `sst install`, which extracts the platform, npm-installs its dependencies and writes
 * `config.d.ts` for the providers the repository's `app()` declares. No AWS call: with
 * SST_SKIP_DEPENDENCY_CHECK the CLI does not download Pulumi or bun, and SST_NO_BUN makes it
 * install with npm instead of the bun it did not download.
 */
export function ensureSstPlatform(repoRoot: string): SstPlatform {
  const dir = sstPlatformDir();
  const config = readFileSync(join(repoRoot, 'sst.config.ts'), 'utf8');
  // Providers are declared in app(), so a changed sst.config.ts asks SST again (an in-place
  // `sst install` takes seconds); a new SST version starts from an empty directory.
  const stamp = `${SST_VERSION} ${createHash('sha256').update(config).digest('hex')}\n`;
  const stampFile = join(dir, 'installed');
  const platform = { projectDir: dir, platformDir: join(dir, '.sst', 'platform') };
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return platform;

  if (existsSync(join(platform.platformDir, 'config.d.ts'))) {
    rmSync(stampFile, { force: true });
    sstInstall(dir, repoRoot);
  } else {
    // Built beside the cache and renamed into place, so an interrupted install leaves nothing half-made.
    mkdirSync(resolve(dir, '..'), { recursive: true });
    const work = mkdtempSync(`${dir}.partial-`);
    try {
      writeFileSync(join(work, 'package.json'), JSON.stringify({ private: true, dependencies: { sst: SST_VERSION } }));
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], work);
      sstInstall(work, repoRoot);
      rmSync(dir, { recursive: true, force: true });
      renameSync(work, dir);
    } catch (error) {
      rmSync(work, { recursive: true, force: true });
      throw error;
    }
  }
  writeFileSync(stampFile, stamp);
  return platform;
}

function sstInstall(projectDir: string, repoRoot: string): void {
  // SST evaluates app() of the sst.config.ts in its working directory to learn the providers,
  // and refuses a config with a top-level import, so the repository's is linked rather than re-exported.
  const config = join(projectDir, 'sst.config.ts');
  rmSync(config, { force: true });
  symlinkSync(join(repoRoot, 'sst.config.ts'), config);
  run(join(projectDir, 'node_modules', '.bin', 'sst'), ['install', '--stage', 'check'], projectDir, {
    SST_SKIP_DEPENDENCY_CHECK: '1',
    SST_NO_BUN: '1',
    SST_TELEMETRY_DISABLED: '1',
  });
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  try {
    execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}
