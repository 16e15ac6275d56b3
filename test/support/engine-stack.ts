import { afterAll, afterEach, beforeAll } from 'vitest';
import { setCrashPointHook } from '@stint/core/crash-points';
import type { EngineContext } from '@stint/core/engine/context';
import type { JobRecord } from '@stint/core/job-record';
import { engineInternals } from '@stint/core/testing';
import type { EmulatorOptions } from '@stint/local/emulators';
import { createTestStack, startEmulators, type Emulators, type TestStack, type TestStackOptions } from './stack.ts';

/**
 * A stack on one DynamoDB backend for tests that call engine steps by hand (no poller runs)
 * on jobs they place themselves: its stores, an engine context to call the steps with, and a
 * consistent read of a job. Call inside a describe: it adds the describe's hooks, and clears a
 * crash-point hook after each test.
 */
export function engineStack(backend: NonNullable<EmulatorOptions['dynamo']>, options: TestStackOptions) {
  let emulators: Emulators;
  let stack: TestStack;
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
    stack = await createTestStack(emulators, options);
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await stack?.stop();
    await emulators?.stop();
  });

  const deps = () => engineInternals(stack.engine).deps;
  return {
    stack: () => stack,
    deps,
    ctx: (): EngineContext => ({ deps: deps(), dispatcher: engineInternals(stack.engine).dispatcher, counters: deps().counters.batch() }),
    read: async (id: string): Promise<JobRecord> => (await deps().jobs.get(id))!,
  };
}
