import { expect } from 'vitest';
import { defineJob } from '@stint/sdk';
import type { Lane } from '@stint/core/job';
import { setCrashPointHook } from '@stint/core/crash-points';
import { encodeWorkMessage } from '@stint/core/work-queue';
import { engineInternals } from '@stint/core/testing';
import { attachTestStack, createTestStack, uniqueName, type Emulators, type TestStack } from './stack.ts';

/**
 * The dispatcher's pump, step by step: the engine's clock is the test's (`clock.now`) and no
 * poller runs. Every work message the engine sends is recorded instead of queued, and the test
 * runs the ones it chooses (`run`), so which job is sent when, in which lane, is exact.
 */
const PARENT = defineJob({ type: 'PARENT', run: async (ctx) => void (await ctx.waitForChildren()) });
const QUICK = defineJob({ type: 'QUICK', run: async () => ({}) });
/** One at a time per key. */
const LIMITED = defineJob<{ key: string }>({ type: 'LIMITED', concurrency: { limit: 1, key: (data) => data.key }, run: async () => ({}) });
export const DEFINITIONS = [PARENT, QUICK, LIMITED];
/** The engine's redispatchAfterMs for the stacks here: twice their 600 s lease. */
export const REDISPATCH_AFTER_MS = 1_200_000;

interface Sent {
  lane: Lane;
  jobId: string;
}

/**
 * A stack whose sends are recorded under the names the test gives its jobs. `bound` is the
 * per-root in-flight bound; `raise(n)` attaches a second engine to the same table with bound
 * `n` (a deployment that raised it), recording into the same list.
 */
export async function pumpStack(emulators: Emulators, clock: { now: number }, bound: number) {
  clock.now = Date.now();
  const tenant = uniqueName('t');
  const tuning = { maxInFlightPerRoot: bound, sliceBudgetMs: 600_000, leaseMs: 600_000 };
  const stack = await createTestStack(emulators, { definitions: DEFINITIONS, clock: () => clock.now, tuning });
  const names = new Map<string, string>();
  const sent: Sent[] = [];
  const bodies = new Map<string, string>();
  /** Names whose sends the queue refuses. */
  const refused = new Set<string>();
  const engines: TestStack[] = [];
  const record = (engineOf: TestStack) => {
    engines.push(engineOf);
    engineInternals(engineOf.engine).deps.queue.send = async (lane, message) => {
      if (refused.has(names.get(message.jobId)!)) throw new Error('queue unavailable');
      sent.push({ lane, jobId: message.jobId });
      bodies.set(message.jobId, encodeWorkMessage(message));
    };
    return engineOf;
  };
  record(stack);
  const ids = new Map<string, string>();
  type Input = { type: string; data?: Record<string, unknown>; lowPriority?: boolean; parent?: string };
  const submit = async (name: string, input: Input, on: TestStack = stack) => {
    const { parent, ...rest } = input;
    clock.now += 1; // later submissions get later ids and ready times
    // Named before it is written, so a send during the submission is recorded under its name.
    const naming = (id: string) => void (names.has(id) || names.set(id, name));
    setCrashPointHook((_point, detail) => naming(detail.jobId!));
    const submitted = on.engine.submit({ ...rest, tenant, ...(parent ? { parentId: ids.get(parent)! } : {}) });
    const { job } = await submitted.finally(() => setCrashPointHook(undefined));
    names.set(job.id, name);
    ids.set(name, job.id);
    return job.id;
  };
  /** The names sent since the last call. */
  let seen = 0;
  const sends = () => {
    const fresh = sent.slice(seen);
    seen = sent.length;
    return fresh.map((s) => {
      const name = names.get(s.jobId) ?? s.jobId;
      return s.lane === 'low' ? `${name} (low)` : name;
    });
  };
  return {
    stack,
    tenant,
    ids,
    names,
    refused,
    submit,
    /** Submits the named job, which dies at `point` (its process killed there): what it wrote stays. */
    async dying(name: string, input: Input, point: string) {
      clock.now += 1;
      const { parent, ...rest } = input;
      setCrashPointHook((at, detail) => {
        if (!names.has(detail.jobId!)) names.set(detail.jobId!, name);
        if (at === point) throw new Error(`died at ${point}`);
      });
      const submitted = stack.engine.submit({ ...rest, tenant, ...(parent ? { parentId: ids.get(parent)! } : {}) });
      await expect(submitted.finally(() => setCrashPointHook(undefined))).rejects.toThrow(`died at ${point}`);
    },
    sends,
    /** Runs the named job's slice from the message it was sent. */
    async run(name: string) {
      const body = bodies.get(ids.get(name)!);
      if (!body) throw new Error(`${name} was never sent`);
      return (await stack.engine.processBatch([{ body }])).outcomes[0];
    },
    raise: (to: number) =>
      record(
        attachTestStack(stack.clients, stack.provisioned, { ...stack.config, maxInFlightPerRoot: to }, { definitions: DEFINITIONS, clock: () => clock.now }),
      ),
    /** What every engine of the stack warned of. */
    warnings: () => engines.flatMap((engine) => engine.events.filter((e) => e.type === 'warning')),
  };
}

export type PumpStack = Awaited<ReturnType<typeof pumpStack>>;
