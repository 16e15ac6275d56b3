import { JobRegistry, type JobDefinition, type ScheduleDefinition } from '@stint/sdk';
import { type AwsClients, createAwsClients, Engine, type EngineEvent, loadConfig, type StintApp, type StintAppFactory, type StintConfig } from '@stint/core';
import { ENV } from '@stint/core/resource-spec';

export interface Runtime {
  engine: Engine;
  clients: AwsClients;
  config: StintConfig;
  registry: JobRegistry;
}

export interface RuntimeOptions {
  /** The installation's job types and schedules (`stint.app.ts`); without it, Stint's system jobs only. */
  app?: StintAppFactory;
  /** Whether the app registers the example records app; default from STINT_RECORDS_APP. */
  recordsApp?: boolean;
  env?: Record<string, string | undefined>;
  clients?: AwsClients;
  config?: StintConfig;
  /** Job types besides the app's and Stint's own system jobs (tests and the chaos run add theirs here). */
  extraDefinitions?: (clients: AwsClients, config: StintConfig) => JobDefinition[];
  /** Schedules besides the app's (tests add theirs here). */
  extraSchedules?: ScheduleDefinition[];
  onEvent?: (event: EngineEvent) => void;
  workerId?: string;
}

/** Builds the engine a handler uses, from its environment (in AWS) or from given parts (locally). */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const env = options.env ?? process.env;
  const config = options.config ?? loadConfig(env);
  const clients = options.clients ?? createAwsClients(env.AWS_REGION ? { region: env.AWS_REGION } : {});
  const recordsApp = options.recordsApp ?? env[ENV.recordsApp] === 'true';
  const app: StintApp = options.app?.({ clients, config, recordsApp }) ?? { definitions: [], schedules: [] };
  // The engine adds Stint's own system jobs: every component knows them, as the api submits them and workers run them.
  const registry = new JobRegistry([...app.definitions, ...(options.extraDefinitions?.(clients, config) ?? [])]);
  const engine = new Engine({
    clients,
    config,
    registry,
    schedules: [...app.schedules, ...(options.extraSchedules ?? [])],
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.workerId ? { workerId: options.workerId } : {}),
  });
  return { engine, clients, config, registry };
}
