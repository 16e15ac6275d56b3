/**
 * `@stint/core/testing`: what tests reach behind the engine's public face — its stores,
 * dispatcher, operations, slice runner and schedule services (`engineInternals(engine)`).
 * Test code only: biome.json keeps adapters to core's entry points, which do not include it.
 */
export { engineInternals, type EngineInternals } from './engine/engine.ts';
