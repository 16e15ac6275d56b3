/** One round of the engine bench's throughput: the floor and the pipeline, run back to back. */
export interface ThroughputRound {
  floorJobsPerSecond: number;
  pipelineJobsPerSecond: number;
  ratio: number;
}

/**
 * The round whose ratio is the median (the lower middle one of an even count): a round's pair
 * ran under the same load, so its ratio is kept whole rather than dividing medians of
 * different rounds.
 */
export function medianRound<T extends { ratio: number }>(rounds: T[]): T {
  if (rounds.length === 0) throw new Error('no rounds to take the median of');
  const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
