import { defineJob, JobRegistry, type JobDefinition } from '@stint/sdk';
import { describe, expect, it } from 'vitest';
import { BadRequestError, ForbiddenError } from '../errors.ts';
import { admitSubmission, assertMaySendEvent, assertMaySubmit, isExternal, maySubmit, submittableTypes, typeAccess, type Submitter } from './job-access.ts';
import { JobTypeCatalog } from './job-types.ts';
import type { Principal } from './principal.ts';

const run = async () => undefined;
const ANY_WRITER = defineJob({ type: 'ANY_WRITER', run });
const ADMIN_ONLY = defineJob({ type: 'ADMIN_ONLY', access: { submit: 'admin' }, run });
const FROM_INTAKE = defineJob({
  type: 'FROM_INTAKE',
  access: { intake: true },
  checkData: (data: { key?: string }, job) =>
    data.key?.startsWith(`${job.tenant}/`) ? undefined : { field: 'key', message: `must start with ${job.tenant}/` },
  run,
});
const SYSTEM = defineJob({ type: 'SYSTEM_THING', system: true, run });
const INTERNAL = defineJob({ type: 'INTERNAL_WALK', system: true, access: { submit: 'internal' }, run });
const INTERNAL_REFUSAL = "403 INTERNAL_WALK is an internal job type; only Stint's own code starts it";

const admin: Principal = { keyId: 'k-admin', name: 'Root', role: 'admin', tenant: null };
const acmeAdmin: Principal = { keyId: 'k-acme', name: 'Ada', role: 'tenant-admin', tenant: 'acme' };
const acmeViewer: Principal = { keyId: 'k-view', name: 'Vic', role: 'viewer', tenant: 'acme' };

const caller = (principal: Principal): Submitter => ({ kind: 'caller', principal });
const operation = (principal: Principal): Submitter => ({ kind: 'operation', principal });
const intake = (tenants: string[]): Submitter => ({ kind: 'intake', producer: 'AROAORDERS:orders-fn', tenants });
const scheduler: Submitter = { kind: 'scheduler', scheduleId: 'nightly' };

function outcome(definition: JobDefinition, submitter: Submitter, tenant: string): string {
  try {
    assertMaySubmit(definition, submitter, tenant);
    return 'ok';
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    return `403 ${error.message}`;
  }
}

describe('assertMaySubmit', () => {
  it.each([
    ['an admin, any type in any tenant', ADMIN_ONLY, caller(admin), 'globex', 'ok'],
    ['a tenant-admin, an any-writer type in its tenant', ANY_WRITER, caller(acmeAdmin), 'acme', 'ok'],
    ['a tenant-admin, an admin-only type', ADMIN_ONLY, caller(acmeAdmin), 'acme', '403 only admins may submit ADMIN_ONLY'],
    [
      'a tenant-admin, another tenant',
      ANY_WRITER,
      caller(acmeAdmin),
      'globex',
      '403 this key is limited to tenant acme; it cannot submit ANY_WRITER into globex',
    ],
    ['a viewer', ANY_WRITER, caller(acmeViewer), 'acme', '403 viewer keys are read-only; they cannot submit ANY_WRITER'],
    ['a tenant-admin, a system type by hand', SYSTEM, caller(acmeAdmin), 'acme', '403 SYSTEM_THING is a system job type; only admins may submit it'],
    ['an admin, a system type by hand', SYSTEM, caller(admin), 'acme', 'ok'],
    ['a tenant-admin’s operation, a system type', SYSTEM, operation(acmeAdmin), 'acme', 'ok'],
    [
      'a tenant-admin’s operation, in another tenant',
      SYSTEM,
      operation(acmeAdmin),
      '_admin',
      '403 this key is limited to tenant acme; it cannot submit SYSTEM_THING into _admin',
    ],
    ['a viewer’s operation', SYSTEM, operation(acmeViewer), 'acme', '403 viewer keys are read-only; they cannot submit SYSTEM_THING'],
    ['a tenant-admin’s operation, an admin-only type', ADMIN_ONLY, operation(acmeAdmin), 'acme', '403 only admins may submit ADMIN_ONLY'],
    ['intake, a type that accepts it, a bound tenant', FROM_INTAKE, intake(['acme']), 'acme', 'ok'],
    [
      'intake, a tenant it is not bound to',
      FROM_INTAKE,
      intake(['acme']),
      'globex',
      '403 intake producer AROAORDERS:orders-fn is not bound to tenant globex, so it cannot submit FROM_INTAKE there',
    ],
    ['intake, a type that does not accept it', ANY_WRITER, intake(['acme']), 'acme', '403 ANY_WRITER does not accept intake messages'],
    ['intake, a system type', SYSTEM, intake(['acme']), 'acme', '403 SYSTEM_THING is a system job type; other services cannot submit it'],
    ['the scheduler, an admin-only type', ADMIN_ONLY, scheduler, '_admin', 'ok'],
    ['an admin, an internal type by hand', INTERNAL, caller(admin), 'acme', INTERNAL_REFUSAL],
    ['an admin’s operation, an internal type', INTERNAL, operation(admin), 'acme', INTERNAL_REFUSAL],
    ['intake, an internal type', INTERNAL, intake(['acme']), 'acme', INTERNAL_REFUSAL],
    ['the scheduler, an internal type', INTERNAL, scheduler, '_admin', INTERNAL_REFUSAL],
  ])('%s', (_, definition, submitter, tenant, expected) => {
    expect(outcome(definition, submitter, tenant)).toBe(expected);
  });
});

describe('admitSubmission', () => {
  it('runs a caller’s job as the caller, whatever it would have liked', () => {
    expect(admitSubmission(ANY_WRITER, { type: 'ANY_WRITER', tenant: 'acme', submitter: caller(acmeAdmin) })).toEqual({
      runBy: { id: 'k-acme', name: 'Ada' },
    });
    expect(admitSubmission(ANY_WRITER, { type: 'ANY_WRITER', tenant: 'acme', runBy: { id: 'k-acme', name: 'Ada' }, submitter: caller(acmeAdmin) })).toEqual({
      runBy: { id: 'k-acme', name: 'Ada' },
    });
    // Another runner differs from the caller by id, by name, or is nobody (null): each is acting for someone.
    for (const runBy of [{ id: 'k-boss', name: 'The Boss' }, { id: 'k-acme', name: 'Someone Else' }, { id: 'k-other', name: 'Ada' }, null]) {
      expect(() => admitSubmission(ANY_WRITER, { type: 'ANY_WRITER', tenant: 'acme', runBy, submitter: caller(acmeAdmin) })).toThrow(
        new ForbiddenError('runBy: only admins may submit a job on behalf of someone else'),
      );
    }
  });

  it('lets an admin act for someone, and records who did', () => {
    const runBy = { id: 'k-ada', name: 'Ada' };
    expect(admitSubmission(ANY_WRITER, { type: 'ANY_WRITER', tenant: 'acme', runBy, submitter: caller(admin) })).toEqual({
      runBy,
      submittedBy: { id: 'k-admin', name: 'Root' },
    });
  });

  it('runs an intake message as its producer, which cannot name another', () => {
    const request = { type: 'FROM_INTAKE', tenant: 'acme', data: { key: 'acme/x' }, submitter: intake(['acme']) };
    expect(admitSubmission(FROM_INTAKE, request)).toEqual({ runBy: { id: 'intake:AROAORDERS:orders-fn', name: 'intake AROAORDERS:orders-fn' } });
    expect(() => admitSubmission(FROM_INTAKE, { ...request, runBy: { id: 'k-ada', name: 'Ada' } })).toThrow(
      new ForbiddenError('runBy: an intake message runs as its producer and cannot name who runs it'),
    );
  });

  it('keeps the scheduler’s runBy and the deployment’s own code as given', () => {
    const runBy = { id: 'schedule:nightly', name: 'Schedule nightly' };
    expect(admitSubmission(ADMIN_ONLY, { type: 'ADMIN_ONLY', tenant: '_admin', runBy, submitter: scheduler })).toEqual({ runBy });
    expect(admitSubmission(ADMIN_ONLY, { type: 'ADMIN_ONLY', tenant: 'acme' })).toEqual({ runBy: null });
  });

  it('admits an internal type from the deployment’s own code, which passes no submitter', () => {
    expect(admitSubmission(INTERNAL, { type: 'INTERNAL_WALK', tenant: 'acme' })).toEqual({ runBy: null });
  });

  it('refuses data the type finds wrong for the tenant with 400 naming the field, after the access check', () => {
    const request = { type: 'FROM_INTAKE', tenant: 'acme', data: { key: 'globex/x' }, submitter: caller(acmeAdmin) };
    expect(() => admitSubmission(FROM_INTAKE, request)).toThrow(new BadRequestError('data.key: must start with acme/', 'data.key'));
    try {
      admitSubmission(FROM_INTAKE, request);
    } catch (error) {
      expect((error as BadRequestError).field).toBe('data.key');
    }
    expect(() => admitSubmission(FROM_INTAKE, { ...request, submitter: caller(acmeViewer) })).toThrow(ForbiddenError);
  });
});

describe('submittableTypes', () => {
  const registry = new JobRegistry([ANY_WRITER, ADMIN_ONLY, FROM_INTAKE, SYSTEM, INTERNAL]);
  it.each([
    ['admin', admin, ['ADMIN_ONLY', 'ANY_WRITER', 'FROM_INTAKE', 'SYSTEM_THING']],
    ['tenant-admin', acmeAdmin, ['ANY_WRITER', 'FROM_INTAKE']],
    ['viewer', acmeViewer, []],
  ])('lists what a(n) %s may submit by hand', (_, principal, types) => {
    expect(submittableTypes(registry, principal).map((d) => d.type)).toEqual(types);
  });
});

describe('typeAccess', () => {
  const INTAKE_ADMIN_ONLY = defineJob({ type: 'INTAKE_ADMIN_ONLY', access: { submit: 'admin', intake: true }, run });
  it.each([
    [ANY_WRITER, { byHand: 'tenant-admin', intake: false }],
    [ADMIN_ONLY, { byHand: 'admin', intake: false }],
    [FROM_INTAKE, { byHand: 'tenant-admin', intake: true }],
    [INTAKE_ADMIN_ONLY, { byHand: 'admin', intake: true }],
    [SYSTEM, { byHand: 'admin', intake: false }],
  ])('states who may start %s as assertMaySubmit decides it', (definition, expected) => {
    if (!isExternal(definition)) throw new Error('external types only');
    expect(typeAccess(definition)).toEqual(expected);
    // The listing's words and the gate agree: a tenant-admin by hand, and a bound intake producer.
    expect(outcome(definition, caller(acmeAdmin), 'acme') === 'ok').toBe(expected.byHand === 'tenant-admin');
    expect(outcome(definition, intake(['acme']), 'acme') === 'ok').toBe(expected.intake);
  });
});

describe('JobTypeCatalog', () => {
  const catalog = new JobTypeCatalog(new JobRegistry([SYSTEM, INTERNAL, FROM_INTAKE, ANY_WRITER, ADMIN_ONLY]));
  it('names every type, offers only the external ones, and each principal what it may submit', () => {
    expect(catalog.names()).toEqual(['ADMIN_ONLY', 'ANY_WRITER', 'FROM_INTAKE', 'INTERNAL_WALK', 'SYSTEM_THING']);
    expect(catalog.external().map((d) => d.type)).toEqual(['ADMIN_ONLY', 'ANY_WRITER', 'FROM_INTAKE', 'SYSTEM_THING']);
    expect(catalog.submittableBy(acmeAdmin).map((d) => d.type)).toEqual(['ANY_WRITER', 'FROM_INTAKE']);
    expect(catalog.get('INTERNAL_WALK')).toBe(INTERNAL);
    expect(catalog.get('NOPE')).toBeUndefined();
  });
});

describe('assertMaySendEvent', () => {
  function sent(sender: Submitter, tenant: string): string {
    try {
      assertMaySendEvent(sender, tenant);
      return 'ok';
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      return `403 ${error.message}`;
    }
  }

  // The same rule as submitting a job there: a writer of the tenant, any tenant for an admin, a bound producer.
  it.each([
    ['an admin, any tenant', caller(admin), 'globex', 'ok'],
    ['a tenant-admin, its tenant', caller(acmeAdmin), 'acme', 'ok'],
    ['a tenant-admin’s operation, its tenant', operation(acmeAdmin), 'acme', 'ok'],
    ['a tenant-admin, another tenant', caller(acmeAdmin), 'globex', '403 this key is limited to tenant acme; it cannot send events into globex'],
    ['a tenant-admin’s operation, another tenant', operation(acmeAdmin), 'globex', '403 this key is limited to tenant acme; it cannot send events into globex'],
    ['a viewer, its own tenant', caller(acmeViewer), 'acme', '403 viewer keys are read-only; they cannot send events'],
    ['a viewer’s operation', operation(acmeViewer), 'acme', '403 viewer keys are read-only; they cannot send events'],
    ['intake, a bound tenant', intake(['globex', 'acme']), 'acme', 'ok'],
    [
      'intake, a tenant it is not bound to',
      intake(['acme']),
      'globex',
      '403 intake producer AROAORDERS:orders-fn is not bound to tenant globex, so it cannot send events there',
    ],
    ['the scheduler, any tenant', scheduler, '_admin', 'ok'],
  ])('%s', (_, sender, tenant, expected) => {
    expect(sent(sender, tenant)).toBe(expected);
  });
});

describe('maySubmit', () => {
  it('answers false for a refusal, and lets anything else (a bug) through', () => {
    expect(maySubmit(ADMIN_ONLY, acmeAdmin)).toBe(false);
    expect(maySubmit(ADMIN_ONLY, admin)).toBe(true);
    // A definition not made by defineJob has no access block: a programming error, not a 403.
    expect(() => maySubmit({ type: 'HAND_MADE' } as unknown as JobDefinition, admin)).toThrow(TypeError);
  });
});
