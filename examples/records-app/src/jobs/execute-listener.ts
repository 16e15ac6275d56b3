import { defineJob } from '@stint/sdk';
import * as z from 'zod';
import { parseData, sleep } from './common.ts';

export const EXECUTE_LISTENER = 'EXECUTE_LISTENER';
export const LISTENER_STEPS = ['prepare', 'process', 'notify'] as const;

const dataSchema = z.object({
  listenerName: z.string().min(1).max(100),
  /** Pause in each step, to make the job visible in the monitor. */
  ms: z.number().int().min(0).max(10_000).default(200),
});
export type ExecuteListenerData = z.input<typeof dataSchema>;
export interface ExecuteListenerResults {
  listenerName: string;
  stepsCompleted: number;
}

/**
 * A listener reacts to an event and must run to its end once started, so it cannot be
 * stopped: a stop request leaves it STOPPING until it completes.
 */
export function executeListenerJob() {
  return defineJob<ExecuteListenerData, ExecuteListenerResults>({
    type: EXECUTE_LISTENER,
    description: 'Runs a listener’s three steps to the end; it cannot be stopped once started.',
    // Listeners react to events, which other services send through intake.
    access: { submit: 'tenant-admin', intake: true },
    stoppable: false,
    label: (data) => `Execute listener ${data.listenerName}`,
    async run(ctx) {
      const data = parseData(dataSchema, ctx.data, EXECUTE_LISTENER);
      for (const [i, name] of LISTENER_STEPS.entries()) {
        await ctx.step(name, async () => {
          // No signal: the steps are short, and the engine yields between them anyway.
          await sleep(data.ms);
          ctx.log.info(`listener ${data.listenerName}: ${name} done`);
          return null;
        });
        ctx.progress(Math.floor(((i + 1) / LISTENER_STEPS.length) * 100));
      }
      ctx.setResults({ listenerName: data.listenerName, stepsCompleted: LISTENER_STEPS.length });
    },
  });
}
