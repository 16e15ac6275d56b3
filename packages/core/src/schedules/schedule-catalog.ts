import { createHash } from 'node:crypto';
import type { JobDefinition, JobRegistry, ScheduleDefinition } from '@stint/sdk';
import { isExternal } from '../auth/job-access.ts';
import { ADMIN_TENANT } from '../auth/principal.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';

/** Which row of a schedule: its id, and its tenant (null for an installation-wide one). */
export interface ScheduleRef {
  id: string;
  tenant: string | null;
}

/** Installation-wide schedules keep their state and run their jobs under ADMIN_TENANT: admins only. */
export const tenantKeyOf = (ref: ScheduleRef): string => ref.tenant ?? ADMIN_TENANT;

/** The schedules this deployment defines in code, checked against its job types at startup. */
export class ScheduleCatalog {
  readonly #byId = new Map<string, ScheduleDefinition>();
  readonly #registry: JobRegistry;

  constructor(definitions: readonly ScheduleDefinition[], registry: JobRegistry) {
    this.#registry = registry;
    for (const definition of definitions) {
      if (this.#byId.has(definition.id)) throw new TypeError(`schedule ${definition.id} is defined twice`);
      const jobType = registry.get(definition.jobType);
      if (!jobType) throw new TypeError(`schedule ${definition.id} runs job type ${definition.jobType}, which is not registered`);
      if (!isExternal(jobType)) throw new TypeError(`schedule ${definition.id} runs job type ${definition.jobType}, which is internal`);
      this.#byId.set(definition.id, definition);
    }
  }

  all(): ScheduleDefinition[] {
    return [...this.#byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  find(id: string): ScheduleDefinition | undefined {
    return this.#byId.get(id);
  }

  /** The job type a schedule runs (registered: the constructor checked). */
  jobTypeOf(definition: ScheduleDefinition): JobDefinition {
    return this.#registry.get(definition.jobType)!;
  }

  /** The definition behind a row; 404 for an unknown id, 400 when the tenant does not fit its scope. */
  resolve(ref: ScheduleRef): ScheduleDefinition {
    const definition = this.#byId.get(ref.id);
    if (!definition) throw new NotFoundError(`schedule ${ref.id} not found`);
    // Installation schedules' rows live under ADMIN_TENANT; a per-tenant schedule has none there.
    if (definition.scope === 'tenant' && ref.tenant === ADMIN_TENANT) throw new NotFoundError(`schedule ${ref.id} of tenant ${ref.tenant} not found`);
    if (definition.scope === 'tenant' && ref.tenant === null) {
      throw new BadRequestError(`tenant must name the tenant of schedule ${ref.id}, which runs per tenant; got nothing`, 'tenant');
    }
    if (definition.scope === 'installation' && ref.tenant !== null) {
      throw new BadRequestError(`tenant must be left out for schedule ${ref.id}, which runs once for the installation; got "${ref.tenant}"`, 'tenant');
    }
    return definition;
  }

  /** The rows that should exist: each tenant-scoped schedule per tenant, each installation one once. */
  rows(tenants: readonly string[]): ScheduleRef[] {
    const userTenants = tenants.filter((tenant) => tenant !== ADMIN_TENANT).sort();
    return this.all().flatMap((definition): ScheduleRef[] =>
      definition.scope === 'installation' ? [{ id: definition.id, tenant: null }] : userTenants.map((tenant) => ({ id: definition.id, tenant })),
    );
  }

  /** Changes when a definition's schedule changes or a tenant appears: then rows are reconciled. */
  signature(tenants: readonly string[]): string {
    const shape = this.all().map((definition) => [definition.id, definition.scope, definition.automatic.cron, definition.automatic.timeZone]);
    return createHash('sha256')
      .update(JSON.stringify([shape, [...tenants].sort()]))
      .digest('base64url');
  }
}
