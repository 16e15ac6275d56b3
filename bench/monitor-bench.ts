import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type AwsClients, Engine, type StintConfig, type TenantScope } from '@stint/core';
import { JobStore } from '@stint/core/store';
import { TenantDirectory } from '@stint/core/auth';
import { MonitorReader, openCursors, parseJobQuery } from '@stint/core/query';
import { createApi } from '@stint/functions/api/api';
import { provision, type Provisioned } from '@stint/local/provision';
import { JobRegistry } from '@stint/sdk';
import { emulatorClients, uniqueName } from '../test/support/stack.ts';
import { attachMeter, type Meter } from './meter.ts';
import { collectGarbage, measureCsvExport } from './monitor-csv.ts';
import { startEmulatorProcess } from './monitor-emulators.ts';
import { createSeeder } from './monitor-seed.ts';

/** Table sizes measured in turn on the same table; BENCH_MONITOR_SIZES=2000,20000 for a quick run. */
const SIZES = (process.env.BENCH_MONITOR_SIZES ?? '10000,100000').split(',').map(Number);
/** 50 rather than 30: medians of ~10 ms requests on a shared 2-core machine need the samples. */
const RUNS = Number(process.env.BENCH_MONITOR_RUNS ?? 50);
/** First requests pay for connection setup and JIT; they are not what a monitor user sees. */
const WARMUP = 3;
const PAGE = 50;
const TARGETS = { ratioOfMedians: 1.3, itemsReadFactor: 2, csvPeakMb: 100 } as const;
/**
 * What a page may read (index keys + job items) where it is not one index partition's 2 × page
 * (its keys, then their items): the finder's designed bounds, written out per case.
 */
const READ_BUDGETS: Record<string, number> = {
  // RUNNING is spread over 4 shards (STATUS_SHARDS): each may read its share and 2 keys ahead.
  statusRunning: 2 * PAGE + 4 * (Math.ceil(PAGE / 4) + 2),
  // The parent is read too: another tenant's parent must show no children. Its children are
  // spread over 4 shards (CHILD_SHARDS): each may read its share and 2 keys ahead.
  parentId: 2 * PAGE + 1 + 4 * (Math.ceil(PAGE / 4) + 2),
  // The type is checked on the items of the status's keys: up to 2 keys per row (KEY_BUDGET_PER_ROW), and their items.
  statusAndType: 2 * 2 * PAGE,
  // 6 partitions merged (3 tenants' user and system jobs): up to one chunk of 8 read ahead in each.
  listAllTenants: 2 * PAGE + 6 * 8,
};
const ADMIN_TOKEN = 'x';

/** One measured request; returns the finder's own count of items read when it has one. */
type Probe = () => Promise<{ itemsRead?: number; rows?: number }>;

interface CaseFigures {
  medianMs: number;
  p90Ms: number;
  /** findJobs' `itemsRead` (index keys + job items), median per request. */
  itemsRead: number | null;
  /** What DynamoDB returned, counted on the wire: index keys (Query) and job items (BatchGet/Get). */
  keysRead: number;
  jobItemsRead: number;
  readUnits: number;
  dynamoRequests: number;
  rows: number | null;
}

export async function runMonitorBench(): Promise<Record<string, unknown>> {
  const emulators = await startEmulatorProcess();
  try {
    const clients = emulatorClients(emulators);
    const names = uniqueName('monitor');
    const provisioned = await provision(clients, { tableName: names, bucketName: names, queuePrefix: `${names}-` });
    const store = new JobStore(clients.dynamo, provisioned.tableName);
    const meter = attachMeter(clients);
    const wire = attachItemCounter(clients);
    const seeder = await createSeeder(store, Date.now());
    // The readers the api and the pages use; an all-tenant scope reads the tenant directory the seeder fills.
    const monitor = new MonitorReader({ jobs: store, tenants: new TenantDirectory(store.client, store.tableName), clock: Date.now });
    const api = apiFor(clients, provisioned);

    const seeding: Record<string, unknown> = {};
    // Other work on the machine moves the medians; the load beside each size says how much to trust a ratio.
    const loadAverage: Record<string, number> = {};
    const sizes: Record<string, Record<string, CaseFigures>> = {};
    for (const target of SIZES) {
      const step = await seeder.grow(target - seeder.size);
      seeding[String(target)] = { added: step.jobs, seconds: round(step.seconds, 1), jobsPerSecond: Math.round(step.jobsPerSecond) };
      console.log(`seeded ${seeder.size} jobs: +${step.jobs} in ${step.seconds.toFixed(1)} s (${Math.round(step.jobsPerSecond)} jobs/s)`);
      const probes = await probesFor(monitor, seeder.tenants, seeder.bigParentId, api);
      collectGarbage(); // the seeding's garbage, not the requests', would otherwise be collected during them
      const figures = await measureAll(probes, meter, wire);
      sizes[String(seeder.size)] = figures;
      loadAverage[String(seeder.size)] = round(loadavg()[0]!, 1);
      console.log(
        `measured at ${seeder.size}: ${Object.entries(figures)
          .map(([n, f]) => `${n} ${f.medianMs} ms`)
          .join(', ')}`,
      );
    }

    meter.reset();
    wire.reset();
    const csv = await measureCsvExport(monitor);
    // What the whole export cost DynamoDB: every key and item once is 2 reads per row.
    const csvReads = { keysRead: wire.keys, jobItemsRead: wire.items, readUnits: round(meter.readUnits, 1), dynamoRequests: meter.dynamoRequests };
    console.log(`csv: ${csv.rows} rows in ${csv.seconds.toFixed(1)} s`);

    const [small, large] = [sizes[String(SIZES[0])]!, sizes[String(seeder.size)]!];
    const ratios = Object.fromEntries(Object.keys(large).map((name) => [name, round(large[name]!.medianMs / small[name]!.medianMs, 3)]));
    const reads = (f: CaseFigures) => f.keysRead + f.jobItemsRead;
    const withinReads = (name: string, f: CaseFigures) => (f.itemsRead ?? reads(f)) <= (READ_BUDGETS[name] ?? TARGETS.itemsReadFactor * PAGE);
    const pass = {
      ratioOfMedians: Object.fromEntries(Object.entries(ratios).map(([n, r]) => [n, r <= TARGETS.ratioOfMedians])),
      itemsRead: Object.fromEntries(Object.entries(large).map(([n, f]) => [n, withinReads(n, f) && withinReads(n, small[n]!)])),
      // The scaling question itself: a request reads no more at the larger size than at the smaller.
      readsFlat: Object.fromEntries(Object.entries(large).map(([n, f]) => [n, reads(f) <= reads(small[n]!)])),
      // The export is of the main list, every tenant's root jobs (user and system).
      csvComplete: csv.rows === seeder.roots,
      csvPeakRss: csv.peakRssGrowthMb < TARGETS.csvPeakMb,
      csvPeakHeap: csv.peakHeapGrowthMb < TARGETS.csvPeakMb,
    };
    return {
      sizes,
      ratios,
      csv: {
        rows: csv.rows,
        megabytes: round(csv.bytes / 1024 / 1024, 1),
        seconds: round(csv.seconds, 1),
        rowsPerSecond: Math.round(csv.rowsPerSecond),
        peakRssGrowthMb: round(csv.peakRssGrowthMb, 1),
        peakHeapGrowthMb: round(csv.peakHeapGrowthMb, 1),
        retainedHeapMb: round(csv.retainedHeapMb, 1),
        ...csvReads,
      },
      targets: { ...TARGETS, pageSize: PAGE, readBudgets: READ_BUDGETS },
      pass,
      seeding,
      setup: {
        emulator: 'dynalite, in memory, in a child process (startEmulators)',
        runsPerCase: RUNS,
        cores: availableParallelism(),
        loadAverage,
        tenants: seeder.tenants,
        scope: 'tenant-0 (60% of jobs), user jobs; listAllTenants: admin scope, user + system jobs (6 partitions)',
        api: api.app ? 'createApi in process via app.request()' : `skipped: ${api.error}`,
      },
    };
  } finally {
    await emulators.stop();
  }
}

interface Api {
  app: ReturnType<typeof createApi> | null;
  error?: string;
}

/** The real HTTP api over the same clients, or why it could not be built. */
function apiFor(clients: AwsClients, provisioned: Provisioned): Api {
  try {
    const config: StintConfig = {
      tableName: provisioned.tableName,
      workQueueUrl: provisioned.queueUrls.work,
      lowQueueUrl: provisioned.queueUrls.low,
      bucketName: provisioned.bucketName,
      sliceBudgetMs: 10_000,
      leaseMs: 10_000,
      maxInFlightPerRoot: 4,
      retentionDays: 30,
    };
    const engine = new Engine({ clients, config, registry: new JobRegistry([]) });
    return { app: createApi({ engine, clients, config, auth: { adminToken: ADMIN_TOKEN }, rateLimit: false }) };
  } catch (error) {
    return { app: null, error: (error as Error).message };
  }
}

/** The monitor's requests at the current table size; cursors are taken fresh at each size. */
async function probesFor(monitor: MonitorReader, tenants: string[], bigParentId: string, api: Api): Promise<Record<string, Probe>> {
  const scope: TenantScope = { tenant: tenants[0]! };
  const admin: TenantScope = { allTenants: true };
  const find = (params: Record<string, string>, s: TenantScope = scope): Probe => {
    const query = parseJobQuery({ _size: String(PAGE), ...params });
    return async () => {
      const page = await monitor.jobs(s, query, openCursors);
      return { itemsRead: page.itemsRead, rows: page.items.length };
    };
  };
  const first = await monitor.jobs(scope, parseJobQuery({ _size: String(PAGE) }), openCursors);
  if (first.nextCursor === null) throw new Error('the list has a single page; seed more jobs');
  const probes: Record<string, Probe> = {
    list: find({}),
    statusFinished: find({ status: 'FINISHED' }),
    statusRunning: find({ status: 'RUNNING' }),
    type: find({ type: 'EXECUTE_ACTION' }),
    parentId: find({ parentId: bigParentId }),
    statusAndType: find({ status: 'FINISHED', type: 'IMPORT_RECORDS' }),
    secondPage: find({ cursor: first.nextCursor }),
    listAllTenants: find({ system: 'true' }, admin),
    summary: async () => {
      await monitor.summary(scope);
      return {};
    },
  };
  const app = api.app;
  if (app !== null) {
    probes.apiList = async () => {
      const res = await app.request(`/api/jobs?tenant=${tenants[0]}&_size=${PAGE}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      if (res.status !== 200) throw new Error(`GET /api/jobs answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { items: unknown[] };
      return { rows: body.items.length };
    };
  }
  return probes;
}

/**
 * Runs the probes round-robin, RUNS rounds after WARMUP rounds: a slow stretch of the shared
 * process (a major GC of the emulator's heap) then lands on every case alike instead of
 * skewing whichever case happened to run during it.
 */
async function measureAll(probes: Record<string, Probe>, meter: Meter, wire: ItemCounter): Promise<Record<string, CaseFigures>> {
  for (let i = 0; i < WARMUP; i++) for (const probe of Object.values(probes)) await probe();
  type Samples = Record<'ms' | 'itemsRead' | 'keys' | 'items' | 'units' | 'requests' | 'rows', number[]>;
  const samples: Record<string, Samples> = Object.fromEntries(
    Object.keys(probes).map((name) => [name, { ms: [], itemsRead: [], keys: [], items: [], units: [], requests: [], rows: [] }]),
  );
  for (let i = 0; i < RUNS; i++) {
    for (const [name, probe] of Object.entries(probes)) {
      const s = samples[name]!;
      meter.reset();
      wire.reset();
      const started = performance.now();
      const out = await probe();
      s.ms.push(performance.now() - started);
      if (out.itemsRead !== undefined) s.itemsRead.push(out.itemsRead);
      if (out.rows !== undefined) s.rows.push(out.rows);
      s.keys.push(wire.keys);
      s.items.push(wire.items);
      s.units.push(meter.readUnits);
      s.requests.push(meter.dynamoRequests);
    }
  }
  const median = (values: number[]) => (values.length > 0 ? quantile(values, 0.5) : null);
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      {
        medianMs: round(quantile(s.ms, 0.5), 2),
        p90Ms: round(quantile(s.ms, 0.9), 2),
        itemsRead: median(s.itemsRead),
        keysRead: median(s.keys)!,
        jobItemsRead: median(s.items)!,
        readUnits: round(median(s.units)!, 1),
        dynamoRequests: median(s.requests)!,
        rows: median(s.rows),
      },
    ]),
  );
}

interface ItemCounter {
  keys: number;
  items: number;
  reset(): void;
}

/**
 * Items DynamoDB returned, split by kind: every Query the finder sends reads a KEYS_ONLY index
 * (keys), BatchGet and Get read job or counter items. Independent of the finder's own count,
 * so the two can be checked against each other.
 */
function attachItemCounter(clients: AwsClients): ItemCounter {
  const counter: ItemCounter = {
    keys: 0,
    items: 0,
    reset() {
      this.keys = this.items = 0;
    },
  };
  clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const output = out.output as { Items?: unknown[]; Item?: unknown; Responses?: Record<string, unknown[]> };
      // The document client runs the plain client's stack, so commands arrive under either name.
      const command = (context.commandName ?? '').replace(/Item(Command)$/, '$1');
      if (command === 'QueryCommand') counter.keys += output.Items?.length ?? 0;
      if (command === 'BatchGetCommand') counter.items += Object.values(output.Responses ?? {}).reduce((n, list) => n + list.length, 0);
      if (command === 'GetCommand' && output.Item !== undefined) counter.items += 1;
      return out;
    },
    { step: 'initialize', name: 'stintMonitorItemCounter' },
  );
  return counter;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(JSON.stringify(await runMonitorBench(), null, 2));
}
