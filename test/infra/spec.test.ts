import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/repo-root.ts';
import {
  BUNDLING,
  CODE_PERMISSIONS,
  consumerOf,
  DEFAULT_SETTINGS,
  FUNCTIONS,
  functionEnvironment,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
  QUEUES,
  RUNTIME,
  SUBMIT_PERMISSION,
  WORKER,
} from '../../infra/spec.ts';
import { TEST_REFS } from './synth.ts';

describe.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s handler', (_id, spec) => {
  it(`exists at ${spec.entry} and exports handler`, async () => {
    const entry = join(REPO_ROOT, spec.entry);
    expect(existsSync(entry), entry).toBe(true);
    // Handlers read their configuration when loaded, as in Lambda.
    Object.assign(process.env, { AWS_REGION: 'us-east-1' }, functionEnvironment(spec, TEST_REFS, DEFAULT_SETTINGS));
    const module = (await import(pathToFileURL(entry).href)) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  });
});

describe('queues', () => {
  it.each(QUEUES.map((q) => q.id))('%s has one consumer, and a visibility timeout of at least six times its timeout', (id) => {
    const { fn } = consumerOf(id);
    expect(QUEUE_VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(6 * fn.timeoutSeconds);
    expect(FUNCTIONS.flatMap((f) => f.consumes).filter((c) => c.queue === id)).toHaveLength(1);
  });

  it('matches the visibility timeout the local stack provisions', () => {
    expect(QUEUE_VISIBILITY_TIMEOUT_SECONDS).toBe(WORKER.visibilityTimeoutSeconds);
  });

  it('caps every event source mapping within what SQS accepts', () => {
    for (const consumer of FUNCTIONS.flatMap((f) => f.consumes)) {
      expect(consumer.maxConcurrency).toBeGreaterThanOrEqual(2);
      expect(consumer.maxConcurrency).toBeLessThanOrEqual(1000);
      expect(consumer.batchSize).toBeLessThanOrEqual(10);
    }
  });
});

describe('functions', () => {
  const byId = (id: string) => FUNCTIONS.find((f) => f.id === id)!;

  it('give the worker the timeout the engine plans its slices around', () => {
    expect(byId('worker').timeoutSeconds).toBe(WORKER.timeoutSeconds);
    expect(WORKER.sliceBudgetMs).toBeLessThan(WORKER.timeoutSeconds * 1000);
  });

  it('keep the api under API Gateway’s 30 s integration timeout', () => {
    expect(byId('api').timeoutSeconds).toBeLessThan(30);
  });

  it('end a sweep before the next one starts', () => {
    expect(byId('sweeper').timeoutSeconds).toBeLessThan(60);
  });

  it('run on the runtime the bundles target', () => {
    expect(RUNTIME.lambda).toBe(`nodejs${BUNDLING.target.replace('node', '')}.x`);
  });
});

describe('permissions', () => {
  const all = [...Object.values(CODE_PERMISSIONS).flat(), SUBMIT_PERMISSION];

  it('name exact actions of the services Stint uses', () => {
    for (const action of all.flatMap((p) => p.actions)) {
      expect(action).toMatch(/^(dynamodb|sqs|s3|sns|secretsmanager):[A-Z][A-Za-z]+$/);
    }
  });

  it('never let a producer do more than send to the intake queue', () => {
    expect(SUBMIT_PERMISSION).toEqual({ actions: ['sqs:SendMessage'], resources: ['intakeQueue'] });
  });
});
