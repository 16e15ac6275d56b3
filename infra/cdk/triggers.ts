import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SWEEPER_SCHEDULE } from '../spec.ts';

/** Runs the sweeper on the spec's schedule. */
export function scheduleSweeper(scope: Construct, sweeper: lambda.IFunction): events.Rule {
  return new events.Rule(scope, 'SweeperSchedule', {
    description: 'Runs the Stint sweeper',
    schedule: events.Schedule.expression(SWEEPER_SCHEDULE),
    targets: [
      new targets.LambdaFunction(sweeper, {
        // A missed sweep is covered by the next one a minute later; retrying it would only overlap.
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    ],
  });
}

/**
 * Routes matching EventBridge events to the intake queue. The event's `detail` is the
 * message, so a producer puts a submission (docs/intake-message.schema.json) in `Detail`.
 */
export function routeEventsToIntake(scope: Construct, pattern: events.EventPattern, intake: sqs.IQueue): events.Rule {
  return new events.Rule(scope, 'IntakeRule', {
    description: 'Submits Stint jobs from matching events',
    eventPattern: pattern,
    targets: [new targets.SqsQueue(intake, { message: events.RuleTargetInput.fromEventPath('$.detail') })],
  });
}
