import { defineJob, NonRetriableError, type JobContext } from '@stint/sdk';
import * as z from 'zod';
import { RecordNotFoundError } from '../record-store.ts';
import { ACTIONS, type ActionDefinition } from './actions.ts';
import {
  addCapped,
  chunks,
  entityName,
  errorMessage,
  MAX_RESULTS,
  parseData,
  percent,
  recordQuery,
  type JobDeps,
  type PerRecordResults,
  type RecordOutcome,
} from './common.ts';

export const EXECUTE_ACTION = 'EXECUTE_ACTION';

const dataSchema = z.object({
  entityName,
  actionName: z.string().min(1),
  params: z.record(z.string(), z.unknown()).default({}),
  query: recordQuery.default({}),
  // A chunk's results must fit the capped results map.
  chunkSize: z.number().int().min(1).max(MAX_RESULTS).default(100),
  /** Set on the children the root spawns: they process `recordIds` only. */
  chunk: z.boolean().default(false),
  recordIds: z.array(z.string().min(1)).optional(),
  /** Records of the selection before this chunk, so positions are global. */
  offset: z.number().int().min(0).default(0),
});

export type ExecuteActionData = z.input<typeof dataSchema>;
type Data = z.output<typeof dataSchema>;
type Ctx = JobContext<ExecuteActionData, PerRecordResults>;

const label = (d: { actionName?: unknown; entityName?: unknown }) => `Execute action ${String(d.actionName)} on ${String(d.entityName)}`;

export function executeActionJob(deps: JobDeps) {
  return defineJob<ExecuteActionData, PerRecordResults>({
    type: EXECUTE_ACTION,
    description: 'Runs an action (logSomething, slowTouch, failSome) on the tenant’s records a query selects, in chunks run as children.',
    access: { submit: 'tenant-admin', intake: true },
    label: (data) =>
      data.chunk && data.recordIds ? `${label(data)} (records ${(data.offset ?? 0) + 1}-${(data.offset ?? 0) + data.recordIds.length})` : label(data),
    async run(ctx) {
      const data = parseData(dataSchema, ctx.data, EXECUTE_ACTION);
      const action = ACTIONS[data.actionName];
      if (!action) {
        throw new NonRetriableError(`unknown action "${data.actionName}" on ${data.entityName}; known actions: ${Object.keys(ACTIONS).join(', ')}`);
      }
      const params = parseData(action.params, data.params, `${EXECUTE_ACTION} ${data.actionName} params`);
      if (data.chunk) await runChunk(ctx, deps, data, action, params);
      else await runRoot(ctx, deps, data);
    },
  });
}

async function runRoot(ctx: Ctx, deps: JobDeps, data: Data) {
  // The selection is fixed once, in a step: a replay must spawn exactly the same chunks.
  const selection = await ctx.step('list-records', async () => {
    const ids = await deps.records(ctx.job.tenant).queryIds(data.entityName, data.query);
    ctx.log.info(`${ids.length} records of ${data.entityName} match ${JSON.stringify(data.query)}`);
    return chunks(ids, data.chunkSize);
  });
  // Outside any step: spawn is replay-safe on its own (a replay gets the same child ids back).
  let offset = 0;
  for (const recordIds of selection) {
    const childData = {
      entityName: data.entityName,
      actionName: data.actionName,
      params: data.params,
      recordIds,
      chunk: true,
      offset,
    };
    await ctx.spawn(EXECUTE_ACTION, childData, {
      label: `${label(data)} (records ${offset + 1}-${offset + recordIds.length})`,
    });
    offset += recordIds.length;
  }
  const outcomes = selection.length > 0 ? await ctx.waitForChildren() : [];

  let ok = 0;
  let failed = 0;
  const canceled: string[] = [];
  const errors: PerRecordResults['results'] = {};
  const oks: PerRecordResults['results'] = {};
  for (const child of outcomes) {
    if (child.status === 'CANCELED') {
      canceled.push(child.id);
      continue;
    }
    const childResults = (child.results as Partial<PerRecordResults> | null | undefined)?.results ?? {};
    for (const [id, outcome] of Object.entries(childResults)) {
      if (outcome.status === 'ok') {
        ok++;
        if (ok <= MAX_RESULTS) oks[id] = outcome;
      } else {
        failed++;
        if (failed <= MAX_RESULTS) errors[id] = outcome;
      }
    }
  }
  // Failures first: when the map is capped, they are the entries worth keeping.
  const results: PerRecordResults['results'] = {};
  addCapped(results, errors);
  addCapped(results, oks);
  // Logging in a step so the summary is written once, not on every replay of the run.
  await ctx.step('report', () => {
    ctx.log.info(`${ok} records ok, ${failed} with errors, in ${selection.length} chunks`);
    if (failed > 0) ctx.log.error(`${failed} of ${ok + failed} records failed; see the chunks' logs`);
    if (canceled.length > 0) {
      ctx.log.error(`${canceled.length} chunks were canceled; their records are missing from the results`, { canceled });
    }
    if (ok + failed > MAX_RESULTS) ctx.log.info(`results hold the first ${MAX_RESULTS} records only`);
    return null;
  });
  ctx.setResults({ results });
}

async function runChunk(ctx: Ctx, deps: JobDeps, data: Data, action: ActionDefinition, params: unknown) {
  if (!data.recordIds) throw new NonRetriableError(`${EXECUTE_ACTION} chunk without recordIds`);
  const ids = data.recordIds;
  const results: PerRecordResults['results'] = {};
  let done = 0;
  for (const group of chunks(ids, action.recordsPerStep)) {
    const first = data.offset + done + 1;
    const name = group.length === 1 ? `record-${first}` : `records-${first}-${first + group.length - 1}`;
    const outcomes = await ctx.step(name, () => runGroup(ctx, deps, data, action, params, group, first));
    addCapped(results, outcomes);
    done += group.length;
    ctx.progress(percent(done, ids.length));
  }
  ctx.setResults({ results });
}

async function runGroup(
  ctx: Ctx,
  deps: JobDeps,
  data: Data,
  action: ActionDefinition,
  params: unknown,
  ids: string[],
  firstPosition: number,
): Promise<Record<string, RecordOutcome>> {
  const records = deps.records(ctx.job.tenant);
  const found = new Map((await records.getByIds(data.entityName, ids)).map((r) => [r.id, r]));
  const out: Record<string, RecordOutcome> = {};
  for (const [i, id] of ids.entries()) {
    const record = found.get(id);
    try {
      // Deleted after the selection was listed: a failure of this record, not of the step.
      if (!record) throw new RecordNotFoundError(data.entityName, id);
      out[id] = await action.run({
        records,
        log: ctx.log,
        signal: ctx.signal,
        jobId: ctx.job.id,
        entityName: data.entityName,
        record,
        position: firstPosition + i,
        params,
      });
    } catch (error) {
      if (!(error instanceof RecordNotFoundError)) throw error;
      ctx.log.error(errorMessage(error), { recordId: id });
      out[id] = { status: 'error', errorMessage: errorMessage(error) };
    }
  }
  return out;
}
