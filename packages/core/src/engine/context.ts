import type { CounterBatch } from '../store/counter-store.ts';
import type { EngineDeps } from './deps.ts';
import type { Dispatcher } from './dispatcher.ts';

/**
 * What every engine step works with: the engine's stores and dispatcher, and the counter
 * batch of the api request or worker batch it belongs to.
 */
export interface EngineContext {
  deps: EngineDeps;
  dispatcher: Dispatcher;
  counters: CounterBatch;
}
