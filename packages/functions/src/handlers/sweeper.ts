import { createRuntime } from '../runtime.ts';
import { createSweeperHandler } from '../sweeper.ts';
import { createTelemetry } from '../telemetry.ts';

const telemetry = createTelemetry('stint-sweeper');
const runtime = createRuntime({ onEvent: telemetry.onEvent });
const sweep = createSweeperHandler(runtime.engine, (report) => telemetry.logger.info('sweep', { ...report }));

export const handler = async () => {
  try {
    return await sweep();
  } finally {
    telemetry.flush();
  }
};
