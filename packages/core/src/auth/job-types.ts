import type { JobDefinition, JobRegistry } from '@stint/sdk';
import { externalTypes, submittableTypes, type ExternalType } from './job-access.ts';
import type { Principal } from './principal.ts';

/**
 * The job types an engine runs, as the api and the monitor show them (`engine.jobTypes()`).
 * Which of them anyone outside may start, and who, is job-access.ts's rule, read here.
 */
export class JobTypeCatalog {
  readonly #registry: JobRegistry;

  constructor(registry: JobRegistry) {
    this.#registry = registry;
  }

  /** Every registered type, internal and system ones included, in name order (the list's type filter). */
  names(): string[] {
    return this.#registry.types();
  }

  get(type: string): JobDefinition | undefined {
    return this.#registry.get(type);
  }

  /** The types some submitter from outside may start (not `internal`), in name order. */
  external(): ExternalType[] {
    return externalTypes(this.#registry);
  }

  /** The types this principal may submit by hand, in name order. */
  submittableBy(principal: Principal): ExternalType[] {
    return submittableTypes(this.#registry, principal);
  }
}
