/**
 * Look-alikes of the few SST globals infra/*.ts uses, under SST's own names, so `npm run
 * typecheck` can check those files without SST's platform (a 300 MB install). Arguments are
 * loose here (`object`, `unknown`): `npm run check:sst` type-checks the same files against the real
 * platform, and fails unless every member and signature declared here is one SST provides
 * (infra/scripts/check-sst.ts assigns each real global to its declaration below).
 */

declare namespace $util {
  /** A Pulumi output: a value known once the resource exists. */
  interface Output<T> {
    apply<U>(fn: (value: T) => U): Output<U>;
  }
}

declare namespace sst.aws {
  class Dynamo {
    constructor(name: string, args: object);
    readonly arn: $util.Output<string>;
    readonly name: $util.Output<string>;
    readonly nodes: { readonly table: { readonly streamArn: $util.Output<string> } };
    subscribe(name: string, subscriber: unknown, args?: object): unknown;
  }

  class Queue {
    constructor(name: string, args?: object);
    readonly arn: $util.Output<string>;
    readonly url: $util.Output<string>;
    readonly nodes: { readonly queue: { readonly name: $util.Output<string> } };
    subscribe(subscriber: unknown, args?: object): unknown;
  }

  class Bucket {
    constructor(name: string, args?: object);
    readonly arn: $util.Output<string>;
    readonly name: $util.Output<string>;
  }

  // biome-ignore lint/suspicious/noShadowRestrictedNames: SST's own name (sst.aws.Function), inside the sst.aws namespace.
  class Function {
    constructor(name: string, args: object);
    readonly arn: $util.Output<string>;
    readonly name: $util.Output<string>;
  }

  class ApiGatewayV2 {
    constructor(name: string, args?: object);
    readonly url: $util.Output<string>;
    route(route: string, handler: unknown, args?: object): unknown;
    addAuthorizer(args: object): { readonly id: $util.Output<string> };
  }

  class Cron {
    constructor(name: string, args: object);
  }

  class SnsTopic {
    constructor(name: string, args?: object);
    readonly arn: $util.Output<string>;
  }
}

/** The Pulumi AWS provider, for what SST has no component for. */
declare namespace aws {
  function getRegionOutput(): { readonly name: $util.Output<string> };

  namespace sqs {
    class QueuePolicy {
      constructor(name: string, args: object);
    }
  }

  namespace sns {
    class TopicPolicy {
      constructor(name: string, args: object);
    }
  }

  namespace cloudwatch {
    class MetricAlarm {
      constructor(name: string, args: object);
    }
    class Dashboard {
      constructor(name: string, args: object);
      readonly dashboardName: $util.Output<string>;
    }
  }

  namespace secretsmanager {
    class Secret {
      constructor(name: string, args: object);
      readonly arn: $util.Output<string>;
      readonly id: $util.Output<string>;
    }
    class SecretVersion {
      constructor(name: string, args: object, opts?: { ignoreChanges?: string[] });
    }
    function getRandomPasswordOutput(args: object): { readonly randomPassword: $util.Output<string> };
    function getSecretOutput(args: object): { readonly arn: $util.Output<string> };
  }
}

declare const $app: { readonly name: string; readonly stage: string };

declare function $interpolate(literals: TemplateStringsArray, ...values: unknown[]): $util.Output<string>;

declare function $resolve<T extends Record<string, $util.Output<unknown>>>(
  values: T,
): $util.Output<{ [K in keyof T]: T[K] extends $util.Output<infer U> ? U : never }>;
