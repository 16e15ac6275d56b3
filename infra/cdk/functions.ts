import { join, posix } from 'node:path';
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { pascal } from '../naming.ts';
import {
  BUCKET,
  BUNDLING,
  FUNCTIONS,
  functionEnvironment,
  functionPermissions,
  RUNTIME,
  type DeploymentSettings,
  type FunctionId,
  type FunctionSpec,
} from '../spec.ts';
import { policyStatements, tableStreamArn, type PermissionTargets } from './permissions.ts';
import { secretId } from './secrets.ts';

export interface FunctionsOptions {
  targets: PermissionTargets;
  settings: DeploymentSettings;
  production: boolean;
  logRetention: logs.RetentionDays;
  /** Directory the spec's handler entries are relative to; it holds package-lock.json. */
  projectRoot: string;
  /** The intake binding as JSON, produced once every `grantSubmit` has bound its role. */
  intakeTenants?: string;
}

export type StintFunctions = Record<FunctionId, NodejsFunction>;

export function createFunctions(scope: Construct, options: FunctionsOptions): StintFunctions {
  const functions = {} as StintFunctions;
  for (const spec of FUNCTIONS) functions[spec.id] = createFunction(scope, spec, options);
  return functions;
}

/** esbuild settings of the spec in NodejsFunction's terms. Bundling runs the local esbuild, never Docker. */
function cdkBundling(spec: FunctionSpec): BundlingOptions {
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) =>
        spec.copyFiles.flatMap(({ from, to }) => [`mkdir -p "${outputDir}/${posix.dirname(to)}"`, `cp -R "${inputDir}/${from}" "${outputDir}/${to}"`]),
    },
    minify: BUNDLING.minify,
    sourceMap: BUNDLING.sourceMap,
    format: BUNDLING.format === 'esm' ? OutputFormat.ESM : OutputFormat.CJS,
    target: BUNDLING.target,
    mainFields: [...BUNDLING.mainFields],
    banner: BUNDLING.banner,
    bundleAwsSDK: BUNDLING.bundleAwsSdk,
  };
}

function lambdaRuntime(): lambda.Runtime {
  const runtime = lambda.Runtime.ALL.find((r) => r.name === RUNTIME.lambda);
  if (!runtime) throw new Error(`aws-cdk-lib does not know the ${RUNTIME.lambda} runtime`);
  return runtime;
}

function createFunction(scope: Construct, spec: FunctionSpec, options: FunctionsOptions): NodejsFunction {
  const name = pascal(spec.id);
  const { targets } = options;
  const logGroup = new logs.LogGroup(scope, `${name}Logs`, {
    retention: options.logRetention,
    removalPolicy: options.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  // An own role rather than the default one: the default attaches the AWSLambdaBasicExecutionRole
  // managed policy, which may write to any log group in the account.
  const role = new iam.Role(scope, `${name}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Role of the Stint ${spec.id} function`,
  });
  logGroup.grantWrite(role);
  for (const statement of policyStatements(spec, targets, options.settings)) role.addToPrincipalPolicy(statement);

  const fn = new NodejsFunction(scope, `${name}Function`, {
    entry: join(options.projectRoot, spec.entry),
    handler: 'handler',
    description: spec.description,
    runtime: lambdaRuntime(),
    architecture: RUNTIME.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
    memorySize: spec.memoryMb,
    timeout: Duration.seconds(spec.timeoutSeconds),
    role,
    logGroup,
    environment: functionEnvironment(
      spec,
      {
        tableName: targets.table.tableName,
        workQueueUrl: targets.queues.work.queue.queueUrl,
        lowQueueUrl: targets.queues.low.queue.queueUrl,
        bucketName: targets.bucket.bucketName,
        reportTopicArn: targets.reportTopic.topicArn,
        sessionSecretArn: secretId(targets.secrets.session),
        ...(targets.secrets.adminToken ? { adminTokenSecretArn: secretId(targets.secrets.adminToken) } : {}),
        ...(options.intakeTenants ? { intakeTenants: options.intakeTenants } : {}),
      },
      options.settings,
    ),
    ...(spec.reservedConcurrency === null ? {} : { reservedConcurrentExecutions: spec.reservedConcurrency }),
    projectRoot: options.projectRoot,
    depsLockFilePath: join(options.projectRoot, 'package-lock.json'),
    bundling: cdkBundling(spec),
  });

  for (const consumer of spec.consumes) {
    const mapping = fn.addEventSourceMapping(`${pascal(consumer.queue)}Source`, {
      eventSourceArn: targets.queues[consumer.queue].queue.queueArn,
      batchSize: consumer.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: consumer.maxConcurrency,
    });
    // The mapping is validated on creation against the role's SQS permissions.
    mapping.node.addDependency(role);
  }
  if (spec.tableStream) {
    const stream = spec.tableStream;
    const mapping = fn.addEventSourceMapping('TableStreamSource', {
      eventSourceArn: tableStreamArn(targets.table),
      // From the oldest record kept, so a deployment catches up on removals made before its mapping existed.
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: stream.batchSize,
      maxBatchingWindow: Duration.seconds(stream.maxBatchingWindowSeconds),
      parallelizationFactor: stream.parallelizationFactor,
      // Retried until this age (CloudFormation's default is as many retries as the stream keeps it), then skipped.
      maxRecordAge: Duration.seconds(stream.maxRecordAgeSeconds),
      // The role's statements come from the spec (SEND_STREAM_FAILURES); CDK's SqsDlq would add a grant of its own.
      onFailure: { bind: () => ({ destination: targets.streamFailures.queueArn }) },
      reportBatchItemFailures: true,
      filters: [{ pattern: JSON.stringify(stream.filter) }],
    });
    mapping.node.addDependency(role);
  }

  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `The runtime is pinned by infra/spec.ts (${RUNTIME.lambda}) together with the esbuild target and the Node version the tests run on; moving to a newer runtime is a deliberate spec change.`,
  });
  const permissions = functionPermissions(spec, options.settings);
  if (permissions.some((p) => p.resources.includes('exportObjects'))) {
    const bucketId = Stack.of(role).getLogicalId(targets.bucket.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason: "Export files are named per job at run time, so the grant covers the export bucket's objects, limited to the object actions the handler calls.",
    });
  }
  if (permissions.some((p) => p.resources.includes('exportFiles'))) {
    const bucketId = Stack.of(role).getLogicalId(targets.bucket.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${BUCKET.exportPrefix}*]`,
      reason: "The example app's cleanup deletes old export files, whose names it learns by listing; the grant is limited to the export folder.",
    });
  }
  return fn;
}
