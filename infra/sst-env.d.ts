/**
 * The few SST v3 globals infra/*.ts uses, declared so `tsc` can check those files without
 * `.sst/platform` (SST's CLI, which generates the real declarations, cannot run offline here).
 * Argument types are deliberately loose: the args themselves come from infra/sst-args.ts,
 * which is type-checked and unit-tested on its own.
 */

interface SstOutput<T> {
  apply<U>(fn: (value: T) => U): SstOutput<U>;
}

type SstUnwrap<T> = T extends SstOutput<infer U> ? U : T;

interface SstComponent {
  readonly urn: SstOutput<string>;
}

interface SstDynamo extends SstComponent {
  readonly arn: SstOutput<string>;
  readonly name: SstOutput<string>;
}

interface SstQueue extends SstComponent {
  readonly arn: SstOutput<string>;
  readonly url: SstOutput<string>;
  readonly nodes: { readonly queue: { readonly name: SstOutput<string> } };
  subscribe(subscriber: SstOutput<string>, args?: object): unknown;
}

interface SstBucket extends SstComponent {
  readonly arn: SstOutput<string>;
  readonly name: SstOutput<string>;
}

interface SstFunction extends SstComponent {
  readonly arn: SstOutput<string>;
  readonly name: SstOutput<string>;
}

interface SstApiGatewayV2 extends SstComponent {
  readonly url: SstOutput<string>;
  route(route: string, handler: SstOutput<string>, args?: object): unknown;
  addAuthorizer(args: object): { readonly id: SstOutput<string> };
}

interface SstSnsTopic extends SstComponent {
  readonly arn: SstOutput<string>;
}

declare const sst: {
  aws: {
    Dynamo: new (name: string, args: object) => SstDynamo;
    Queue: new (name: string, args?: object) => SstQueue;
    Bucket: new (name: string, args?: object) => SstBucket;
    Function: new (name: string, args: object) => SstFunction;
    ApiGatewayV2: new (name: string, args?: object) => SstApiGatewayV2;
    Cron: new (name: string, args: object) => SstComponent;
    SnsTopic: new (name: string, args?: object) => SstSnsTopic;
  };
};

/** The Pulumi AWS provider, for what SST has no component for. */
declare const aws: {
  sqs: { QueuePolicy: new (name: string, args: { queueUrl: SstOutput<string>; policy: SstOutput<string> }) => unknown };
  sns: { TopicPolicy: new (name: string, args: { arn: SstOutput<string>; policy: SstOutput<string> }) => unknown };
  cloudwatch: {
    MetricAlarm: new (name: string, args: object) => unknown;
    Dashboard: new (name: string, args: { dashboardName: string; dashboardBody: SstOutput<string> }) => unknown;
  };
  getRegionOutput(): { name: SstOutput<string> };
  secretsmanager: {
    Secret: new (name: string, args: object) => { readonly arn: SstOutput<string>; readonly id: SstOutput<string> };
    SecretVersion: new (name: string, args: { secretId: SstOutput<string>; secretString: SstOutput<string> }, opts?: { ignoreChanges?: string[] }) => unknown;
    getRandomPasswordOutput(args: object): { randomPassword: SstOutput<string> };
    getSecretOutput(args: { name: string } | { arn: string }): { arn: SstOutput<string> };
  };
};

declare const $app: { readonly name: string; readonly stage: string };

declare function $interpolate(literals: TemplateStringsArray, ...values: unknown[]): SstOutput<string>;

declare function $resolve<T extends Record<string, unknown>>(values: T): SstOutput<{ [K in keyof T]: SstUnwrap<T[K]> }>;
