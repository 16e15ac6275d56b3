import { describe, expect, it } from 'vitest';
import { classify } from './key-classes.ts';

describe('classify', () => {
  it.each([
    ['gsi5', 'Q#normal', 'Q#<lane>', 'installation'],
    ['gsi5', 'Q#low', 'Q#<lane>', 'installation'],
    ['gsi5', 'I#3', 'I#<shard>', 'installation'],
    ['gsi5', 'W#3', 'W#<shard>', 'installation'],
    ['gsi5', 'R#normal#0mx3v', 'R#<lane>#<root>', 'root'],
    ['gsi5', 'D', 'D', 'installation'],
    ['table', 'T#acme', 'T#<tenant>', 'tenant'],
    ['table', 'J#0mx3v', 'J#<job>', 'root'],
    ['table', 'F#0mx3v', 'F#<root>', 'root'],
    ['table', 'TENANTS', 'TENANTS', 'installation'],
    ['table', 'X#2', 'X#<shard>', 'installation'],
    ['table', 'I#acme#order-7', 'I#<tenant>#<key>', 'job'],
    ['gsi1', 'T#acme#u', 'T#<tenant>#u', 'tenant'],
    ['gsi1', 'T#acme#uc', 'T#<tenant>#uc', 'tenant'],
    ['gsi1', 'T#acme#uc#2', 'T#<tenant>#uc#<shard>', 'tenant'],
    ['gsi2', 'T#acme#u#S#RUNNING', 'T#<tenant>#u#S#<status>', 'tenant'],
    ['gsi2', 'T#acme#uc#S#PENDING#3', 'T#<tenant>#uc#S#<status>#<shard>', 'tenant'],
    ['gsi3', 'T#acme#sc#Y#CASCADE', 'T#<tenant>#sc#Y#<type>', 'tenant'],
    ['gsi3', 'T#acme#uc#Y#IMPORT_ROW#3', 'T#<tenant>#uc#Y#<type>#<shard>', 'tenant'],
    ['gsi4', 'P#0mx3v', 'P#<parent>', 'root'],
    ['gsi4', 'P#0mx3v#2', 'P#<parent>#<shard>', 'root'],
    ['table', 'K#9f86d0', 'K#<hash>', 'job'],
    ['table', 'CK#acme#EXPORT#c7', 'CK#<tenant>#<type>#<key>', 'tenant'],
    ['gsi5', 'B#acme#EXPORT#c7', 'B#<tenant>#<type>#<key>', 'tenant'],
    ['gsi5', 'G#3', 'G#<shard>', 'installation'],
  ])('%s %s is %s (%s)', (index, key, name, scope) => {
    expect(classify(index, key)).toMatchObject({ name, scope });
  });

  it('marks the in-flight and lane shards as pinned to a root (a tree’s entries share its root’s shard), and the other shards not', () => {
    expect(classify('gsi5', 'I#3').pinnedToRoot).toBe(true);
    expect(classify('gsi5', 'Q#normal').pinnedToRoot).toBe(true);
    expect(classify('gsi5', 'Q#low#12').pinnedToRoot).toBe(true);
    expect(classify('gsi5', 'W#3').pinnedToRoot).toBeUndefined();
  });

  it('names a key no builder makes "other", and a key of one index is not classed by another’s templates', () => {
    expect(classify('table', 'Z#abc')).toEqual({ name: 'other', scope: 'job' });
    expect(classify('table', 'Q#normal')).toEqual({ name: 'other', scope: 'job' });
    expect(classify('gsi1', 'T#acme#u#S#RUNNING')).toEqual({ name: 'other', scope: 'job' });
  });
});
