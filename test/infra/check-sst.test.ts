import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/repo-root.ts';
import { agreementSource, frontDoorFiles } from '../../infra/scripts/check-sst.ts';

describe('front door files', () => {
  it('are sst.config.ts and the top-level infra modules, without the local declarations, the CDK construct or the scripts', () => {
    const files = frontDoorFiles(REPO_ROOT).map((f) => relative(REPO_ROOT, f));
    expect(files[0]).toBe('sst.config.ts');
    expect(files).toEqual(expect.arrayContaining(['infra/storage.ts', 'infra/functions.ts', 'infra/api.ts', 'infra/sst-args.ts', 'infra/spec.ts']));
    expect(files).not.toContain('infra/sst-env.d.ts');
    expect(files.filter((f) => f.startsWith('infra/cdk/') || f.startsWith('infra/scripts/'))).toEqual([]);
  });
});

/**
 * The agreement module, compiled against a small stand-in for SST's globals: what the real check
 * does with the 300 MB platform, here in a second.
 */
describe('agreement of the local declarations with the real globals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sst-agreement-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const real = `
    declare namespace $util {
      interface Output<T> { apply<U>(fn: (value: T) => U): Output<U>; get(): T }
    }
    declare namespace sst.aws {
      class Queue {
        constructor(name: string, args: { fifo?: boolean }, opts?: object);
        readonly url: $util.Output<string>;
        subscribe(subscriber: string | $util.Output<string>): void;
      }
    }
    declare const $app: { readonly name: string; readonly stage: string; readonly protect: boolean };
  `;
  const local = (queueMembers: string) => `
    declare namespace $util {
      interface Output<T> { apply<U>(fn: (value: T) => U): Output<U> }
    }
    declare namespace sst.aws {
      class Queue {
        constructor(name: string, args?: object);
        ${queueMembers}
      }
    }
    declare const $app: { readonly stage: string };
  `;

  const realFile = join(dir, 'real.d.ts');
  writeFileSync(realFile, real);
  const options = { strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts'], skipDefaultLibCheck: true };
  let previous: ts.Program | undefined;

  function compile(localDeclarations: string): string[] {
    const agreementFile = join(dir, 'agreement.ts');
    writeFileSync(agreementFile, agreementSource(localDeclarations));
    // Each compile reuses the previous one's unchanged files (the standard library, real.d.ts).
    previous = ts.createProgram([realFile, agreementFile], options, undefined, previous);
    return ts.getPreEmitDiagnostics(previous).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it('compiles when every local member is a real one with a compatible type, however loose the arguments', () => {
    expect(compile(local('readonly url: $util.Output<string>; subscribe(subscriber: unknown): unknown;'))).toEqual([]);
  });

  it('fails when a local member does not exist in SST', () => {
    expect(compile(local('readonly arn: $util.Output<string>;')).join('\n')).toMatch(/Property 'arn' is missing/);
  });

  it('fails when a local member has another type than in SST', () => {
    expect(compile(local('readonly url: $util.Output<number>;')).join('\n')).toMatch(/'string' is not assignable to type 'number'/);
  });

  it('compares every global value the local file declares, and no type-only namespace', () => {
    expect(agreementSource(local('')).split('\n').at(-2)).toBe('export const agreement: { sst: typeof Local.sst; $app: typeof Local.$app } = { sst, $app };');
  });
});
