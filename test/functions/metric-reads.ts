import type { Template } from 'aws-cdk-lib/assertions';
import { resourcesOfType } from '../infra/synth.ts';

/** One metric as CloudWatch files it: namespace, name, and the dimensions it carries. */
export interface MetricPoint {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Powertools prints the values one invocation added to a metric as one list. */
  values: number[];
}

/**
 * What a graph or an alarm reads. `dimensions` null means a SEARCH over every series with
 * exactly `dimensionNames`, whatever their values.
 */
export interface MetricRead {
  source: string;
  namespace: string;
  name: string;
  dimensionNames: string[];
  dimensions: Record<string, string> | null;
}

/** The metric points of EMF documents (CloudWatch embedded metric format) among stdout lines. */
export function emfPoints(lines: readonly string[]): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const line of lines) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = doc._aws as { CloudWatchMetrics?: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> } | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((name) => [name, String(doc[name])]));
        for (const metric of directive.Metrics) {
          const value = doc[metric.Name];
          if (value === undefined) throw new Error(`EMF names ${metric.Name} but carries no value for it: ${line}`);
          points.push({ namespace: directive.Namespace, name: metric.Name, dimensions, values: ([] as number[]).concat(value as number | number[]) });
        }
      }
    }
  }
  return points;
}

/** Whether a read finds the point: same namespace, name and dimension names; same values unless a SEARCH. */
export function reads(read: MetricRead, point: MetricPoint): boolean {
  const names = Object.keys(point.dimensions).sort();
  if (point.namespace !== read.namespace || point.name !== read.name) return false;
  if (names.join() !== [...read.dimensionNames].sort().join()) return false;
  return read.dimensions === null || names.every((name) => point.dimensions[name] === read.dimensions![name]);
}

/** The metrics of `namespace` that the template's alarms and dashboard read. */
export function templateReads(template: Template, namespace: string): MetricRead[] {
  const found: MetricRead[] = [];
  for (const [id, alarm] of Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))) {
    const p = alarm.Properties as { Namespace?: string; MetricName?: string; Dimensions?: Array<{ Name: string; Value: unknown }> };
    if (p.Namespace !== namespace) continue;
    const dimensions = Object.fromEntries((p.Dimensions ?? []).map((d) => [d.Name, String(d.Value)]));
    found.push({ source: `alarm ${id}`, namespace, name: p.MetricName!, dimensionNames: Object.keys(dimensions), dimensions });
  }
  for (const [id, dashboard] of Object.entries(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'))) {
    const body = JSON.parse(joinTokens(dashboard.Properties!.DashboardBody)) as {
      widgets: Array<{ properties: { title?: string; metrics?: unknown[][] } }>;
    };
    for (const widget of body.widgets) {
      const source = `dashboard ${id}, graph "${widget.properties.title ?? ''}"`;
      for (const metric of widget.properties.metrics ?? []) {
        const [first] = metric;
        if (typeof first === 'string') {
          if (first !== namespace) continue;
          const strings = metric.filter((part): part is string => typeof part === 'string');
          const dimensions: Record<string, string> = {};
          for (let i = 2; i + 1 < strings.length; i += 2) dimensions[strings[i]!] = strings[i + 1]!;
          found.push({ source, namespace, name: strings[1]!, dimensionNames: Object.keys(dimensions), dimensions });
          continue;
        }
        const expression = (first as { expression?: string }).expression ?? '';
        for (const match of expression.matchAll(/SEARCH\('\{([^}]*)\} MetricName="([^"]+)"'/g)) {
          const [ns, ...dimensionNames] = match[1]!.split(',');
          if (ns === namespace) found.push({ source, namespace, name: match[2]!, dimensionNames, dimensions: null });
        }
      }
    }
  }
  return found;
}

/** A dashboard body is an Fn::Join of JSON text and tokens; tokens become placeholder strings. */
function joinTokens(body: unknown): string {
  if (typeof body === 'string') return body;
  const [separator, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`)).join(separator);
}
