import type { JobDefinition, ScheduleDefinition } from '@stint/sdk';
import type { AwsClients } from './aws-clients.ts';
import type { StintConfig } from './config.ts';

/** What an installation's app is built from: the clients and names every handler has. */
export interface StintAppContext {
  clients: AwsClients;
  config: StintConfig;
  /**
   * Whether to register the example records app: `npm start` does; a deployment only with
   * `STINT_DEPLOY_RECORDS_APP=true`, so production never runs example job types by accident.
   */
  recordsApp: boolean;
}

/** The job types and schedules an installation runs, besides Stint's own system jobs. */
export interface StintApp {
  definitions: JobDefinition[];
  schedules: ScheduleDefinition[];
}

/** The default export of `stint.app.ts` at the repository root: the one file an adopter edits. */
export type StintAppFactory = (context: StintAppContext) => StintApp;

/** Types the factory: `export default defineStintApp((context) => ({ definitions, schedules }))`. */
export function defineStintApp(factory: StintAppFactory): StintAppFactory {
  return factory;
}
