/**
 * `npm run check:sst`: type-checks the SST front door (sst.config.ts and infra/*.ts) against the
 * real SST platform of the pinned version (infra/scripts/sst-platform.ts), with SST's own
 * compiler options. `npm run typecheck` checks the same files against the small local
 * declarations in infra/sst-env.d.ts; this check also proves those agree with the real ones.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { REPO_ROOT } from '../repo-root.ts';
import { ensureSstPlatform, SST_VERSION, type SstPlatform } from './sst-platform.ts';

/** The local look-alikes of SST's globals: they would clash with the real ones, so only the agreement check reads them. */
export const LOCAL_DECLARATIONS = 'sst-env.d.ts';

/** sst.config.ts and infra/*.ts: the CDK construct (infra/cdk) and the scripts are not SST's. */
export function frontDoorFiles(repoRoot: string): string[] {
  const infra = join(repoRoot, 'infra');
  const modules = readdirSync(infra).filter((f) => f.endsWith('.ts') && f !== LOCAL_DECLARATIONS);
  return [join(repoRoot, 'sst.config.ts'), ...modules.map((f) => join(infra, f))];
}

/**
 * A module that assigns each real global (`sst`, `aws`, `$app`, …) to its local declaration,
 * which is wrapped in a namespace so both can be in one program. It compiles only if every
 * member and signature the local declarations promise is one SST provides.
 */
export function agreementSource(localDeclarations: string): string {
  const file = ts.createSourceFile(LOCAL_DECLARATIONS, localDeclarations, ts.ScriptTarget.Latest, true);
  const values = [...new Set(file.statements.flatMap(valueNames))];
  if (values.length === 0) throw new Error(`${LOCAL_DECLARATIONS} declares no global value to compare`);
  // Inside `declare namespace Local` the statements are ambient already and may not say `declare`.
  let body = localDeclarations;
  for (const statement of [...file.statements].reverse()) {
    const keyword = ts.canHaveModifiers(statement) ? ts.getModifiers(statement)?.find((m) => m.kind === ts.SyntaxKind.DeclareKeyword) : undefined;
    if (keyword) body = body.slice(0, keyword.getStart(file)) + body.slice(keyword.getEnd());
  }
  return [
    `declare namespace Local {\n${body}\n}`,
    `export const agreement: { ${values.map((v) => `${v}: typeof Local.${v}`).join('; ')} } = { ${values.join(', ')} };`,
    '',
  ].join('\n');
}

function valueNames(node: ts.Statement): string[] {
  if (ts.isVariableStatement(node)) return node.declarationList.declarations.map((d) => d.name.getText());
  if (ts.isFunctionDeclaration(node) && node.name) return [node.name.text];
  if (ts.isClassDeclaration(node) && node.name) return [node.name.text];
  if (ts.isModuleDeclaration(node) && ts.isIdentifier(node.name) && instantiated(node)) return [node.name.text];
  return [];
}

/** Whether a namespace holds values (a class, a const), so `typeof` can name it. */
function instantiated(node: ts.Node): boolean {
  if (ts.isVariableStatement(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) return true;
  if (ts.isModuleDeclaration(node)) return node.body !== undefined && instantiated(node.body);
  if (ts.isModuleBlock(node)) return node.statements.some(instantiated);
  return false;
}

/**
 * Fails to compile when SST's types did not load: were `sst` or `aws` `any`, every call in the
 * front door would type-check and the expected errors below would be missing.
 */
const CANARY = `// @ts-expect-error CronArgs.schedule is a rate(…) or cron(…) expression
new sst.aws.Cron('Canary', { schedule: 'every minute', function: 'canary' });
// @ts-expect-error QueuePolicyArgs requires queueUrl and policy
new aws.sqs.QueuePolicy('Canary', {});
export {};
`;

export interface CheckResult {
  /** The front door's files, then the canary and the agreement module. */
  files: string[];
  diagnostics: readonly ts.Diagnostic[];
}

/** Type-checks the front door, the canary and the agreement module against an installed platform. */
export function checkFrontDoor(repoRoot: string, platform: SstPlatform): CheckResult {
  const checkDir = join(platform.projectDir, 'check');
  mkdirSync(checkDir, { recursive: true });
  const canary = join(checkDir, 'canary.ts');
  const agreement = join(checkDir, 'local-agreement.ts');
  writeFileSync(canary, CANARY);
  writeFileSync(agreement, agreementSource(readFileSync(join(repoRoot, 'infra', LOCAL_DECLARATIONS), 'utf8')));
  const files = [...frontDoorFiles(repoRoot), canary, agreement];

  const sstConfig = ts.getParsedCommandLineOfConfigFile(
    join(platform.platformDir, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!sstConfig) throw new Error(`cannot read ${platform.platformDir}/tsconfig.json`);
  const options: ts.CompilerOptions = {
    ...sstConfig.options,
    // What the repository's own files need (see tsconfig.json); none changes how SST's types read.
    noEmit: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.ReactJSX,
    jsxImportSource: 'hono/jsx',
    types: [],
  };

  // sst.config.ts references SST's types where a deploy extracts them, `.sst/platform/config.d.ts`;
  // here that path stands for the cached platform's, whatever a deploy may have left in `.sst/`.
  const host = ts.createCompilerHost(options);
  const configTypes = resolve(repoRoot, '.sst', 'platform', 'config.d.ts');
  const stub = `/// <reference path=${JSON.stringify(join(platform.platformDir, 'config.d.ts'))} />\n`;
  const isStub = (fileName: string) => resolve(fileName) === configTypes;
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (fileName) => isStub(fileName) || fileExists.call(host, fileName);
  host.readFile = (fileName) => (isStub(fileName) ? stub : readFile.call(host, fileName));
  host.getSourceFile = (fileName, languageVersion, ...rest) =>
    isStub(fileName) ? ts.createSourceFile(fileName, stub, languageVersion) : getSourceFile.call(host, fileName, languageVersion, ...rest);

  const program = ts.createProgram({ rootNames: files, options, host });
  // Only the files above are judged: SST's sources and packages/* (checked by `npm run typecheck`
  // with the repository's Node types) come along for their types.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...files.flatMap((f) => {
      const source = program.getSourceFile(f);
      if (!source) throw new Error(`${f} is not in the program`);
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    }),
  ];
  return { files, diagnostics };
}

function main(): void {
  const started = Date.now();
  const platform = ensureSstPlatform(REPO_ROOT);
  const installed = Date.now();
  const { files, diagnostics } = checkFrontDoor(REPO_ROOT, platform);
  const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
  const timing = `platform ${seconds(started, installed)}, tsc ${seconds(installed, Date.now())}`;
  if (diagnostics.length === 0) {
    console.log(`check:sst: sst.config.ts and infra/*.ts type-check against SST ${SST_VERSION} (${timing})`);
    return;
  }
  process.stderr.write(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => REPO_ROOT,
      getNewLine: () => '\n',
    }),
  );
  const [canary, agreement] = files.slice(-2);
  const hints = [
    [canary, `SST's types did not load: see ${relative(REPO_ROOT, platform.platformDir)}, or delete it to reinstall`],
    [agreement, `infra/${LOCAL_DECLARATIONS} declares something SST ${SST_VERSION} does not provide (Local.* is that file)`],
  ];
  for (const [file, hint] of hints) if (diagnostics.some((d) => d.file?.fileName === file)) process.stderr.write(`${hint}\n`);
  process.stderr.write(`check:sst: ${diagnostics.length} error(s) against SST ${SST_VERSION}'s types (${timing})\n`);
  process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
