/**
 * Seeded job tables for the query tests: each call provisions its own table in a running
 * dynalite and writes a few thousand jobs shaped the way real transitions leave them (status
 * index keys rewritten, dispatch keys removed once a job leaves PENDING).
 */
import { randomUUID } from 'node:crypto';
import type { AwsClients } from '@stint/core/aws-clients';
import type { JobStatus } from '@stint/core/job';
import type { JobRecord } from '@stint/core/job-record';
import { JobStore } from '@stint/core/store/job-store';
import { newJobRecord } from '@stint/core/new-job';
import { statusIndexKeys } from '@stint/core/store/table-keys';
import { emulatorClients, startEmulators, type EmulatorOptions, type Emulators } from '@stint/local/emulators';
import { provision } from '@stint/local/provision';

export const USER_TYPES = ['IMPORT_RECORDS', 'EXPORT_RECORDS', 'EXECUTE_ACTION', 'DELETE_RECORDS', 'EXECUTE_LISTENER'];
export const SYSTEM_TYPES = ['STOP_APP', 'START_APP', 'DEPLOY_ENDPOINT'];
const STATUS_WEIGHTS: Array<[JobStatus, number]> = [
  ['FINISHED', 55],
  ['PENDING', 12],
  ['RUNNING', 8],
  ['STOPPED', 6],
  ['STOPPING', 3],
  ['CANCELING', 2],
  ['CANCELED', 14],
];
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra'];
const WORDS = ['customers', 'invoices', 'Orders', 'products', 'Leads'];
export const BASE = Date.UTC(2025, 0, 1);

export function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

export interface Env {
  emulators: Emulators;
  clients: AwsClients;
}

export async function startEnv(dynamo: EmulatorOptions['dynamo'] = 'dynalite'): Promise<Env> {
  const emulators = await startEmulators({ dynamo });
  const clients = emulatorClients(emulators);
  return { emulators, clients };
}

export async function newTable(env: Env): Promise<JobStore> {
  const suffix = randomUUID().slice(0, 8);
  await provision(env.clients, { tableName: `q-${suffix}`, bucketName: `q-${suffix}`, queuePrefix: `q-${suffix}-` });
  return new JobStore(env.clients.dynamo, `q-${suffix}`);
}

export interface Seed {
  tenants: string[];
  records: JobRecord[];
  /** A root job with many children (parentId paging). */
  bigParent: JobRecord;
}

/** Writes `counts[i]` jobs to tenant i; ids are sequential so failures are readable. */
export async function seedJobs(store: JobStore, counts: number[], seed = 7): Promise<Seed> {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const tenants = counts.map((_, i) => `tenant-${i}`);
  const records: JobRecord[] = [];
  const roots = new Map<string, JobRecord[]>();
  let bigParent: JobRecord | undefined;
  const total = counts.reduce((a, b) => a + b, 0);
  const remaining = [...counts];
  for (let i = 0; i < total; i++) {
    let t = Math.floor(rnd() * tenants.length);
    while (remaining[t] === 0) t = (t + 1) % tenants.length;
    remaining[t]!--;
    const tenant = tenants[t]!;
    const tenantRoots = roots.get(tenant) ?? [];
    // The first root of tenant 0 gets ~250 children; others get a sprinkle.
    const wantsParent = tenantRoots.length > 0 && (rnd() < 0.2 || (t === 0 && bigParent !== undefined && rnd() < 0.15));
    const parent = !wantsParent ? undefined : t === 0 && bigParent !== undefined && rnd() < 0.6 ? bigParent : pick(tenantRoots);
    const system = parent?.system ?? rnd() < 0.15;
    const type = pick(system ? SYSTEM_TYPES : USER_TYPES);
    const id = `job${String(i).padStart(5, '0')}`;
    const createDate = BASE + i * 900_000 + Math.floor(rnd() * 3) * 1_000;
    const record = newJobRecord(
      {
        id,
        type,
        label: `${rnd() < 0.1 ? '=' : ''}${type.toLowerCase().replace('_', ' ')} ${pick(WORDS)} ${i % 97}`,
        tenant,
        system,
        data: {},
        runBy: rnd() < 0.7 ? { id: `u${i % 4}`, name: pick(NAMES) } : null,
        lowPriority: false,
        parentId: parent?.id ?? null,
        rootId: parent?.rootId ?? id,
        createDate,
      },
      { readyAt: createDate },
    );
    transition(record, pickStatus(rnd()), rnd);
    records.push(record);
    if (!parent) {
      tenantRoots.push(record);
      roots.set(tenant, tenantRoots);
      if (t === 0 && bigParent === undefined && !system) bigParent = record;
    }
  }
  const requests = records.map((Item) => ({ PutRequest: { Item } }));
  const chunks: Array<typeof requests> = [];
  for (let i = 0; i < requests.length; i += 250) chunks.push(requests.slice(i, i + 250));
  await Promise.all(chunks.map((chunk) => store.batchWrite(chunk)));
  return { tenants, records, bigParent: bigParent! };
}

function pickStatus(x: number): JobStatus {
  let sum = 0;
  for (const [status, weight] of STATUS_WEIGHTS) {
    sum += weight / 100;
    if (x < sum) return status;
  }
  return 'FINISHED';
}

/** What the engine's transitions leave on the item for a job that reached `status`. */
function transition(record: JobRecord, status: JobStatus, rnd: () => number): void {
  if (status === 'PENDING') return;
  const started = status !== 'CANCELED' || rnd() < 0.5;
  if (started) record.startDate = record.createDate + Math.floor(rnd() * 600_000);
  if (['FINISHED', 'CANCELED', 'STOPPED'].includes(status)) record.endDate = (record.startDate ?? record.createDate) + Math.floor(rnd() * 3_600_000);
  if (status === 'FINISHED') record.hasErrors = rnd() < 0.2;
  record.status = status;
  Object.assign(record, statusIndexKeys(record, status));
  delete record.gsi5pk;
  delete record.gsi5sk;
}
