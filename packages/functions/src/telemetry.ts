import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EngineEvent } from '@stint/core';

/**
 * Structured logs and EMF metrics for the handlers. Dimensions stay low-cardinality: the
 * service everywhere, the job type only on WaitingTime (types are a small fixed set; job,
 * root and tenant ids go in log fields, never in dimensions).
 */
export interface Telemetry {
  logger: Logger;
  metrics: Metrics;
  onEvent(event: EngineEvent): void;
  /** Writes the invocation's metrics (EMF lines on stdout). */
  flush(): void;
}

export function createTelemetry(defaultServiceName: string): Telemetry {
  // The deployment names the service (with its stage); the default serves local runs.
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME || defaultServiceName;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Stint', serviceName });
  return {
    logger,
    metrics,
    onEvent(event) {
      switch (event.type) {
        case 'jobCreated':
          metrics.addMetric('JobsCreated', MetricUnit.Count, 1);
          break;
        case 'jobStarted': {
          // Twice: by service alone for the p90 alarm (alarms cannot combine percentiles
          // across dimension values), and by job type for the dashboard.
          metrics.addMetric('WaitingTime', MetricUnit.Milliseconds, event.waitingMs);
          const single = metrics.singleMetric();
          single.addDimension('jobType', event.jobType);
          single.addMetric('WaitingTime', MetricUnit.Milliseconds, event.waitingMs);
          logger.info('job started', { jobId: event.jobId, rootId: event.rootId, tenant: event.tenant, waitingMs: event.waitingMs });
          break;
        }
        case 'jobEnded':
          if (event.status === 'FINISHED') metrics.addMetric(event.hasErrors ? 'JobsFailed' : 'JobsFinished', MetricUnit.Count, 1);
          logger.info('job ended', { jobId: event.jobId, rootId: event.rootId, tenant: event.tenant, status: event.status, hasErrors: event.hasErrors });
          break;
        case 'sliceEnded':
          metrics.addMetric('SliceDuration', MetricUnit.Milliseconds, event.durationMs);
          logger.debug('slice ended', { jobId: event.jobId, rootId: event.rootId, tenant: event.tenant, outcome: event.outcome });
          break;
        case 'warning':
          logger.warn(event.message, { ...(event.jobId ? { jobId: event.jobId } : {}), error: event.error as Error });
          break;
      }
    },
    flush() {
      metrics.publishStoredMetrics();
    },
  };
}
