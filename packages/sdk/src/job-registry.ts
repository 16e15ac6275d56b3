import type { JobDefinition } from './job-definition.ts';

/** The job types one deployment knows, by type name. */
export class JobRegistry {
  readonly #types = new Map<string, JobDefinition>();

  constructor(definitions: Iterable<JobDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: JobDefinition): this {
    if (this.#types.has(definition.type)) {
      throw new TypeError(`job type ${definition.type} is registered twice`);
    }
    this.#types.set(definition.type, definition);
    return this;
  }

  get(type: string): JobDefinition | undefined {
    return this.#types.get(type);
  }

  has(type: string): boolean {
    return this.#types.has(type);
  }

  types(): string[] {
    return [...this.#types.keys()].sort();
  }
}
