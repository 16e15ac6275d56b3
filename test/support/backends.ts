import type { EmulatorOptions } from '@stint/local/emulators';

/** Store and engine suites run on both DynamoDB emulators: dynalite and AWS's DynamoDB Local. */
export const DYNAMO_BACKENDS: Array<NonNullable<EmulatorOptions['dynamo']>> =
  process.env.STINT_TEST_DYNAMO === 'dynalite' ? ['dynalite'] : ['dynalite', 'dynamodb-local'];
