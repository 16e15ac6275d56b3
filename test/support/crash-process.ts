/**
 * A whole engine in its own process — worker poller, sweeper, and one action (a submit or
 * an operation) — for the crash-point tests. It is started with STINT_CRASH_POINT set and
 * kills itself with SIGKILL at that point (packages/core/src/crash-points.ts). If it never
 * gets there it says so and exits 3, and the test fails.
 */
import type { StintConfig, SubmitInput } from '@stint/core';
import type { Operation } from '@stint/core/lifecycle';
import type { ScheduleRef } from '@stint/core/schedules/schedule-catalog';
import type { Provisioned } from '@stint/local/provision';
import { emulatorClients } from '@stint/local/emulators';
import { attachTestStack } from './stack.ts';
import { CRASH_SCHEDULE, crashScenarioJobs } from './crash-scenarios.ts';

export type CrashAction =
  | { kind: 'run' }
  | { kind: 'submit'; input: SubmitInput }
  | { kind: 'apply'; operation: Operation; jobId: string }
  | { kind: 'runNow'; schedule: ScheduleRef }
  /** The table's stream handing over the old images of job items TTL removed. */
  | { kind: 'expire'; images: Array<Record<string, unknown>> };

export interface CrashProcessSetup {
  provisioned: Provisioned;
  config: StintConfig;
  action: CrashAction;
  redispatchAfterMs: number;
  settleGraceMs: number;
  sweepEveryMs: number;
  /** Whether the engine runs CRASH_SCHEDULE (the schedule crash points' cases). */
  schedules: boolean;
}

const env = process.env;
const setup = JSON.parse(env.TEST_SETUP!) as CrashProcessSetup;
const clients = emulatorClients({ dynamoEndpoint: env.TEST_DYNAMO_ENDPOINT!, awsEndpoint: env.TEST_AWS_ENDPOINT! });
const stack = attachTestStack(clients, setup.provisioned, setup.config, {
  definitions: crashScenarioJobs(clients.dynamo, setup.config.tableName),
  ...(setup.schedules ? { schedules: [CRASH_SCHEDULE] } : {}),
  redispatchAfterMs: setup.redispatchAfterMs,
  settleGraceMs: setup.settleGraceMs,
  workerId: 'doomed-process',
});
stack.poller.start();
void (async () => {
  for (;;) {
    await stack.engine.sweep().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, setup.sweepEveryMs));
  }
})();

const action = setup.action;
if (action.kind === 'submit') await stack.engine.submit(action.input);
if (action.kind === 'apply') await stack.engine.apply(action.operation, action.jobId, { allTenants: true });
if (action.kind === 'runNow') {
  const principal = { keyId: 'admin-token', name: 'bootstrap admin token', role: 'admin', tenant: null } as const;
  await stack.engine.schedules.runNow([action.schedule], { allTenants: true }, { kind: 'caller', principal });
}
if (action.kind === 'expire') await stack.engine.expired(action.images);
process.stdout.write('acted\n');

setTimeout(() => {
  process.stderr.write(`stint: crash point ${env.STINT_CRASH_POINT} was never reached\n`);
  process.exit(3);
}, 45_000);
