import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../job-record.ts';
import { atVersion, bucketOf, bumpVersion, carriesLease, endSpec, holdsLease, leaseOf, leaveDispatch, merge, releaseLease, statusSpec } from './transitions.ts';

const EMPTY = { set: {}, setRaw: {}, add: {}, delete: {}, values: {}, remove: [] };

describe('merge', () => {
  it('of nothing is an empty update with no condition', () => {
    expect(merge()).toStrictEqual(EMPTY);
  });

  it('keeps every part’s attributes', () => {
    expect(
      merge({ set: { a: 1 }, setRaw: { n: '#n + :one' }, values: { ':one': 1 } }, { add: { count: 2 }, delete: { tags: new Set(['x']) }, remove: ['gone'] }),
    ).toStrictEqual({
      set: { a: 1 },
      setRaw: { n: '#n + :one' },
      add: { count: 2 },
      delete: { tags: new Set(['x']) },
      values: { ':one': 1 },
      remove: ['gone'],
    });
  });

  it('lets a later part win on the same attribute, in every clause', () => {
    const merged = merge(
      { set: { status: 'RUNNING', progress: 10 }, setRaw: { run: '#run + :one' }, add: { childrenDone: 1 }, values: { ':one': 1, ':v': 'first' } },
      { set: { status: 'FINISHED' }, setRaw: { run: ':zero' }, add: { childrenDone: 3 }, values: { ':v': 'second' } },
    );
    expect(merged.set).toEqual({ status: 'FINISHED', progress: 10 });
    expect(merged.setRaw).toEqual({ run: ':zero' });
    // Replaced, not summed: a part's ADD is what that part means to add.
    expect(merged.add).toEqual({ childrenDone: 3 });
    expect(merged.values).toEqual({ ':one': 1, ':v': 'second' });
  });

  it('joins conditions with AND, each in its own parentheses', () => {
    expect(merge({ condition: '#a = :a' }).condition).toBe('#a = :a');
    expect(merge({ condition: '#a = :a' }, { set: { x: 1 } }, { condition: '#b = :b' }).condition).toBe('(#a = :a) AND (#b = :b)');
    expect(merge({ condition: '#a = :a' }, { condition: '#b = :b' }, { condition: 'attribute_exists(#c)' }).condition).toBe(
      '((#a = :a) AND (#b = :b)) AND (attribute_exists(#c))',
    );
  });

  it('has no condition when no part has one (an empty condition counts as none)', () => {
    expect(merge({ set: { a: 1 } }, { condition: '' })).not.toHaveProperty('condition');
  });

  it('drops the remove of an attribute some part assigns, whichever comes first', () => {
    expect(merge({ remove: ['leaseOwner', 'parked'] }, { set: { leaseOwner: 'w2' } }).remove).toEqual(['parked']);
    expect(merge({ set: { leaseOwner: 'w2' } }, { remove: ['leaseOwner', 'parked'] }).remove).toEqual(['parked']);
    expect(merge({ remove: ['version', 'error'] }, bumpVersion).remove).toEqual(['error']);
  });

  it('counts a set of undefined as no assignment: it keeps an earlier value and leaves a remove in place', () => {
    expect(merge({ set: { error: 'boom' } }, { set: { error: undefined } }).set).toEqual({ error: 'boom' });
    expect(merge({ remove: ['error'] }, { set: { error: undefined, progress: 100 } })).toMatchObject({ set: { progress: 100 }, remove: ['error'] });
    expect(merge({ set: { error: undefined } }, { remove: ['error'] }).remove).toEqual(['error']);
  });

  it('removes each attribute once', () => {
    expect(merge({ remove: ['a', 'b'] }, { remove: ['b', 'c', 'a'] }).remove).toEqual(['a', 'b', 'c']);
  });

  it('leaves its parts unchanged, so the shared ones can be merged again', () => {
    const part = { set: { a: 1 }, remove: ['b'] };
    merge(part, { set: { a: 2 }, remove: ['c'] }, bumpVersion, releaseLease);
    expect(part).toStrictEqual({ set: { a: 1 }, remove: ['b'] });
    expect(bumpVersion).toStrictEqual({ setRaw: { version: '#version + :one' }, values: { ':one': 1 } });
    expect(releaseLease).toStrictEqual({ remove: ['leaseOwner', 'leaseExpiresAt'] });
  });
});

const ROOT = { tenant: 'acme', system: false, parentId: undefined, createDate: 3, id: 'j1' } as const;
const CHILD = { ...ROOT, parentId: 'p1', id: 'c1' };

describe('status and end', () => {
  it('moves a job to its status’s listing', () => {
    // PENDING and RUNNING are sharded by job id, a root listing's over 4 and a child
    // listing's over 8: j1 hashes to 3 of 4, c1 to 6 of 8.
    expect(statusSpec(ROOT, 'RUNNING')).toEqual({ set: { status: 'RUNNING', gsi2pk: 'T#acme#u#S#RUNNING#3', gsi2sk: '0000000000003#j1' } });
    expect(statusSpec(CHILD, 'PENDING')).toEqual({ set: { status: 'PENDING', gsi2pk: 'T#acme#uc#S#PENDING#6', gsi2sk: '0000000000003#c1' } });
  });

  it('ends a job: its status, out of every dispatch set, lease released, version bumped, end date and expiry', () => {
    expect(endSpec(ROOT, 'FINISHED', 1_000, 9_000)).toStrictEqual({
      set: { status: 'FINISHED', gsi2pk: 'T#acme#u#S#FINISHED', gsi2sk: '0000000000003#j1', endDate: 1_000, expiresAt: 9_000 },
      setRaw: { version: '#version + :one' },
      add: {},
      delete: {},
      values: { ':one': 1 },
      remove: ['gsi5pk', 'gsi5sk', 'dispatchedAt', 'parked', 'sleepingUntil', 'eventWait', 'concurrencyWait', 'leaseOwner', 'leaseExpiresAt'],
    });
  });

  it('gives a job that ends without expiry (STOPPED) no expiry to write', () => {
    const stopped = endSpec(CHILD, 'STOPPED', 1_000);
    expect(stopped.set).toEqual({ status: 'STOPPED', gsi2pk: 'T#acme#uc#S#STOPPED#2', gsi2sk: '0000000000003#c1', endDate: 1_000 });
    expect(stopped.set!.expiresAt).toBeUndefined();
    expect(stopped.condition).toBeUndefined();
  });

  it('conditions on a version', () => {
    expect(atVersion(7)).toEqual({ condition: '#version = :version', values: { ':version': 7 } });
  });

  it('leaves the dispatch sets and the lease with the attributes that put a job in them', () => {
    expect(leaveDispatch).toEqual({ remove: ['gsi5pk', 'gsi5sk', 'dispatchedAt', 'parked', 'sleepingUntil', 'eventWait', 'concurrencyWait'] });
    expect(releaseLease).toEqual({ remove: ['leaseOwner', 'leaseExpiresAt'] });
  });

  it.each([
    ['FINISHED', false, 'completed'],
    ['FINISHED', true, 'failed'],
    ['CANCELED', true, 'canceled'],
    ['RUNNING', true, 'active'],
    ['STOPPED', false, 'active'],
  ] as const)('counts a %s job (errors: %s) as %s', (status, hasErrors, bucket) => {
    expect(bucketOf({ status, hasErrors })).toBe(bucket);
  });
});

describe('the lease', () => {
  const lease = { epoch: 4, owner: 'worker-a' };
  const held = { leaseEpoch: 4, leaseOwner: 'worker-a', status: 'RUNNING' } as JobRecord;

  it('is the epoch and owner a slice took; a job with no owner has the empty owner', () => {
    expect(leaseOf({ leaseEpoch: 4, leaseOwner: 'worker-a' })).toEqual(lease);
    expect(leaseOf({ leaseEpoch: 2, leaseOwner: undefined })).toEqual({ epoch: 2, owner: '' });
  });

  it('is held, in a write’s condition, by the same epoch and owner while RUNNING or STOPPING', () => {
    expect(holdsLease(lease)).toEqual({
      condition: '#leaseEpoch = :epoch AND #leaseOwner = :owner AND (#status = :running OR #status = :stopping)',
      values: { ':epoch': 4, ':owner': 'worker-a', ':running': 'RUNNING', ':stopping': 'STOPPING' },
    });
  });

  it.each([
    ['the same epoch and owner, RUNNING', held, true],
    ['the same epoch and owner, STOPPING', { ...held, status: 'STOPPING' }, true],
    ['a later epoch (revoked or taken over)', { ...held, leaseEpoch: 5 }, false],
    ['an earlier epoch', { ...held, leaseEpoch: 3 }, false],
    ['another owner at the same epoch', { ...held, leaseOwner: 'worker-b' }, false],
    ['no owner (released by a yield)', { ...held, leaseOwner: undefined }, false],
    ['ended', { ...held, status: 'FINISHED' }, false],
    ['STOPPED', { ...held, status: 'STOPPED' }, false],
    ['PENDING again', { ...held, status: 'PENDING' }, false],
    ['gone (undefined)', undefined, false],
    ['gone (null)', null, false],
  ])('is carried by a job read back with %s: %s', (_case, record, expected) => {
    expect(carriesLease(record as JobRecord | undefined | null, lease)).toBe(expected);
  });
});
