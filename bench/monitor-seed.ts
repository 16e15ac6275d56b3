/**
 * Grows a job table in steps for the monitor benchmark: each `grow(n)` adds n jobs shaped the
 * way the engine's transitions leave them (status index keys rewritten, dispatch keys gone
 * once a job leaves PENDING), so the same table can be measured at 10,000 and then 100,000.
 *
 * test/query/seed-jobs.ts does not fit here: its ids restart at job00000 on every call (a
 * second call overwrites the first) and it holds every record and every batch in flight at
 * once, which is fine for a few thousand rows but not for 100,000.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type JobStatus, summaryBucket, type SummaryBucket } from '@stint/core';
import { childJobId, type JobRecord, type JobStore, type Listing, listingOf, newJobId, newJobRecord, statusIndexKeys, summaryKey } from '@stint/core/store';
import { TenantDirectory } from '@stint/core/auth';

export const USER_TYPES = ['IMPORT_RECORDS', 'EXPORT_RECORDS', 'EXECUTE_ACTION', 'DELETE_RECORDS', 'EXECUTE_LISTENER'];
const SYSTEM_TYPES = ['STOP_APP', 'START_APP', 'DEPLOY_ENDPOINT'];
/** Roughly a busy tenant's mix: most jobs ended, a tail of active ones. */
const STATUS_WEIGHTS: Array<[JobStatus, number]> = [
  ['FINISHED', 0.55],
  ['PENDING', 0.12],
  ['RUNNING', 0.08],
  ['STOPPED', 0.06],
  ['STOPPING', 0.03],
  ['CANCELING', 0.02],
  ['CANCELED', 0.14],
];
const TENANT_SHARE = [0.6, 0.3, 0.1];
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson'];
const ENTITIES = ['customers', 'invoices', 'orders', 'products', 'leads', 'shipments', 'support tickets'];
/** Jobs are spread over this window before `now`, so later growth interleaves with earlier jobs. */
const SPAN_MS = 90 * 86_400_000;
/** Items per BatchWrite request (DynamoDB's cap) and requests in flight; 4 to 24 in flight measured alike, the emulator is the bound. */
const BATCH = 25;
const IN_FLIGHT = 12;

type Root = Pick<JobRecord, 'id' | 'rootId' | 'system' | 'createDate' | 'tenant'> & { children: number };

export interface Seeder {
  readonly tenants: string[];
  /** A root of tenant 0 that collects ~5% of all jobs as children (the parentId query). */
  readonly bigParentId: string;
  /** Jobs written so far. */
  readonly size: number;
  /** Root jobs written so far (user and system): what the main list and its CSV hold. */
  readonly roots: number;
  /** Adds `count` jobs; returns jobs per second of the step. */
  grow(count: number): Promise<{ jobs: number; seconds: number; jobsPerSecond: number }>;
}

/**
 * Deterministic (mulberry32), so two runs seed the same mix; ids stay random, as the engine's
 * are. A plain LCG's successive draws are correlated: with this file's draw order one left
 * STOPPING and CANCELING out entirely and skewed status/type pairs.
 */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export async function createSeeder(store: JobStore, now: number, seed = 11): Promise<Seeder> {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const tenants = TENANT_SHARE.map((_, i) => `tenant-${i}`);
  const directory = new TenantDirectory(store.client, store.tableName);
  for (const tenant of tenants) await directory.remember(tenant);
  // Only a bounded window of recent roots is kept per tenant: parents are picked from it.
  const roots = new Map<string, Root[]>(tenants.map((t) => [t, []]));
  const summary = new Map<string, Record<SummaryBucket | 'total', number>>();
  // A month back, so its children (all within hours of it) do not crowd the newest pages.
  const big = makeJob(tenants[0]!, false, undefined, now - 30 * 86_400_000);
  let size = 0;
  let rootCount = 0;

  function makeJob(tenant: string, system: boolean, parent: Root | undefined, at?: number): JobRecord {
    const type = pick(system ? SYSTEM_TYPES : USER_TYPES);
    const createDate = at ?? (parent ? Math.min(now - 1000, parent.createDate + Math.floor(rnd() * 6 * 3_600_000)) : now - Math.floor(rnd() * SPAN_MS));
    const id = parent ? childJobId(parent.id, 0, parent.children++) : newJobId(createDate);
    const entity = pick(ENTITIES);
    const record = newJobRecord(
      {
        id,
        type,
        label: `${type.toLowerCase().replaceAll('_', ' ')} · ${entity} ${rnd() < 0.5 ? `from ${entity.replace(' ', '-')}-2025-${1 + Math.floor(rnd() * 12)}.csv` : `batch ${Math.floor(rnd() * 500)}`}`,
        tenant,
        system,
        data: { entity, rows: Math.floor(rnd() * 50_000), source: `s3://uploads/${tenant}/${id}.csv`, dryRun: rnd() < 0.1 },
        runBy: rnd() < 0.8 ? { id: `user-${Math.floor(rnd() * 40)}`, name: pick(NAMES) } : null,
        lowPriority: rnd() < 0.1,
        parentId: parent?.id ?? null,
        rootId: parent?.rootId ?? id,
        createDate,
      },
      { readyAt: createDate },
    );
    transition(record, pickStatus(rnd()));
    return record;
  }

  /** What the engine's transitions leave on the item of a job that reached `status`. */
  function transition(record: JobRecord, status: JobStatus): void {
    if (status === 'PENDING') return;
    if (status !== 'CANCELED' || rnd() < 0.5) record.startDate = record.createDate + Math.floor(rnd() * 600_000);
    if (['FINISHED', 'CANCELED', 'STOPPED'].includes(status)) record.endDate = (record.startDate ?? record.createDate) + Math.floor(rnd() * 3_600_000);
    if (status === 'FINISHED') {
      record.hasErrors = rnd() < 0.15;
      record.progress = 1;
      record.results = { processed: Math.floor(rnd() * 50_000), skipped: Math.floor(rnd() * 20) };
      if (record.hasErrors) record.error = 'row 1284: value "N/A" is not a number (column amount)';
    }
    record.status = status;
    record.version = 3 + Math.floor(rnd() * 5);
    Object.assign(record, statusIndexKeys(record, status));
    delete record.gsi5pk;
    delete record.gsi5sk;
  }

  function nextJob(): JobRecord {
    let x = rnd();
    let t = 0;
    while (t < tenants.length - 1 && x >= TENANT_SHARE[t]!) x -= TENANT_SHARE[t++]!;
    const tenant = tenants[t]!;
    const recent = roots.get(tenant)!;
    const y = rnd();
    const parent = t === 0 && y < 0.08 ? bigRoot : y < 0.25 && recent.length > 0 ? pick(recent) : undefined;
    const record = makeJob(tenant, parent?.system ?? rnd() < 0.15, parent);
    if (!parent) {
      const { id, rootId, system, createDate } = record;
      recent.push({ id, rootId, system, createDate, tenant, children: 0 });
      if (recent.length > 200) recent.shift();
    }
    return record;
  }

  function count(record: JobRecord): void {
    const id = JSON.stringify([record.tenant, listingOf(record)]);
    const s = summary.get(id) ?? { total: 0, active: 0, completed: 0, failed: 0, canceled: 0 };
    s.total++;
    s[summaryBucket(record.status, record.hasErrors)]++;
    if (!record.parentId) rootCount++;
    summary.set(id, s);
  }

  const bigRoot: Root = { ...big, children: 0 };
  await store.batchWrite([{ PutRequest: { Item: big } }]);
  count(big);
  size = 1;

  return {
    tenants,
    bigParentId: big.id,
    get size() {
      return size;
    },
    get roots() {
      return rootCount;
    },
    async grow(jobs) {
      const started = performance.now();
      let left = jobs;
      const worker = async () => {
        while (left > 0) {
          const n = Math.min(BATCH, left);
          left -= n;
          const records = Array.from({ length: n }, nextJob);
          records.forEach(count);
          await store.batchWrite(records.map((Item) => ({ PutRequest: { Item } })));
          size += n;
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      // The counters a live table keeps on write: one summary item per tenant and listing.
      for (const [id, values] of summary) {
        const [tenant, listing] = JSON.parse(id) as [string, Listing];
        await store.client.send(new PutCommand({ TableName: store.tableName, Item: { ...summaryKey(tenant, listing, 0), ...values } }));
      }
      const seconds = (performance.now() - started) / 1000;
      return { jobs, seconds, jobsPerSecond: jobs / seconds };
    },
  };
}

function pickStatus(x: number): JobStatus {
  let sum = 0;
  for (const [status, weight] of STATUS_WEIGHTS) {
    sum += weight;
    if (x < sum) return status;
  }
  return 'FINISHED';
}
