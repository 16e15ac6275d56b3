import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { runColdStartBench } from './cold-start.ts';
import { runEngineBench } from './engine-bench.ts';
import { runMonitorBench } from './monitor-bench.ts';
import { runPrimitivesBench } from './primitives-bench.ts';
import type { Scenario } from './ceilings.ts';
import { runScaleBench } from './scale-bench.ts';
import { runSchedulesBench } from './schedules-bench.ts';
import { runStartupRepairBench } from './startup-repair-bench.ts';

/** `npm run bench`: prints the figures and writes them to bench/results/latest.json. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `npm run bench engine,scale` runs those suites only (scale then takes the engine's pipeline).
const only = process.argv[2]?.split(',');
// The engine suite's pipeline, metered per key, is the scale suite's first scenario.
const engineScenarios: Scenario[] = [];
const suites: Record<string, () => Promise<unknown>> = {
  engine: () => runEngineBench(engineScenarios),
  scale: () => runScaleBench(engineScenarios),
  primitives: runPrimitivesBench,
  monitor: runMonitorBench,
  schedules: runSchedulesBench,
  startupRepair: runStartupRepairBench,
  coldStart: () => runColdStartBench(),
};
const LATEST = 'bench/results/latest.json';
// A partial run replaces only its own suites, so latest.json keeps every suite's last figures;
// `measuredAt` says when each was taken.
const results: Record<string, unknown> = existsSync(LATEST) ? JSON.parse(readFileSync(LATEST, 'utf8')) : {};
const measuredAt = (results.measuredAt ?? {}) as Record<string, string>;
Object.assign(results, { date: new Date().toISOString(), node: process.version, measuredAt });
for (const [name, run] of Object.entries(suites)) {
  if (only && !only.includes(name)) continue;
  console.log(`\n== ${name}`);
  results[name] = await run();
  measuredAt[name] = new Date().toISOString();
  console.log(JSON.stringify(results[name], null, 2));
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(LATEST, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${LATEST}`);
