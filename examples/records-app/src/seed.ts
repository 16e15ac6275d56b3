import { RECORD_TYPES, type RecordFields } from './record-store.ts';

export const SEED_ENTITY = 'companies';
export const SEED_SIZE = 1_000;
export const SEED_CITIES = ['Buenos Aires', 'Madrid', 'Lisbon', 'Berlin', 'Toronto'] as const;

/** The sample records: the same on every run, so a seed is reproducible and tests can count on it. */
export function seedRecords(count = SEED_SIZE): Array<RecordFields & { id: string }> {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      id: `company-${n}`,
      name: `Company ${n}`,
      type: RECORD_TYPES[i % RECORD_TYPES.length]!,
      city: SEED_CITIES[i % SEED_CITIES.length]!,
      employees: 1 + ((i * 37) % 500),
    };
  });
}
