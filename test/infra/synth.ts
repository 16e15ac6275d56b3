import { App, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import type { StintJobsProps } from '../../infra/cdk/stint-jobs.ts';
import { StintStack } from '../../infra/cdk/stint-stack.ts';

export interface Synthesized {
  app: App;
  stack: StintStack;
  template: Template;
}

/**
 * Synthesizes a StintStack for stage `test`; `jobs` may build what the props refer to in other
 * stacks of the app, and `extend` may add to the stack before it is synthesized. Bundling runs esbuild for every handler, so only the tests about the
 * bundles ask for it; the others skip asset bundling (the template is the same).
 */
export function synthStint(
  jobs: Partial<StintJobsProps> | ((app: App) => Partial<StintJobsProps>) = {},
  options: { bundle?: boolean; extend?: (stack: StintStack) => void } = {},
): Synthesized {
  const app = new App(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  const props = typeof jobs === 'function' ? jobs(app) : jobs;
  const stack = new StintStack(app, 'StintTest', { jobs: { stage: 'test', ...props } });
  options.extend?.(stack);
  return { app, stack, template: Template.fromStack(stack) };
}

export type CfnResource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };

export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Logical id of the CloudFormation resource behind an L2 construct. */
export function logicalId(stack: StintStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Resource references a handler is given in the tests that load it as Lambda would. */
export const TEST_REFS = {
  tableName: 'stint-test',
  workQueueUrl: 'https://sqs.test/work',
  lowQueueUrl: 'https://sqs.test/low',
  bucketName: 'stint-test',
  reportTopicArn: 'arn:aws:sns:us-east-1:111122223333:stint-reports',
  sessionSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:stint-session-AbCdEf',
};
