import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setCrashPointHook } from '@stint/core/crash-points';
import { LANE_GRACE_MS } from '@stint/core/engine/dispatch-specs';
import { inFlightPartition, rootLanePartition } from '@stint/core/store/table-keys';
import { startEmulators, type Emulators } from '../support/stack.ts';
import { DYNAMO_BACKENDS } from '../support/backends.ts';
import { pumpStack as pumpStackOn, REDISPATCH_AFTER_MS } from '../support/pump-stack.ts';

/**
 * The dispatcher's pump, step by step (`pumpStack`: the engine's clock is the test's, sends are
 * recorded and the test runs the ones it chooses). Ready work the
 * engine has not pumped yet comes from what happens in production: roots whose submission
 * died before its pump, children adopted while their root had no free slot, a bound raised by
 * a new deployment. `engine.sweep()` ends with a pump of every lane, and reports what it sent.
 */

describe.each(DYNAMO_BACKENDS)('the dispatcher’s pump on %s', (backend) => {
  let emulators: Emulators;
  const clock = { now: Date.now() };
  const pumpStack = (bound: number) => pumpStackOn(emulators, clock, bound);
  beforeAll(async () => {
    emulators = await startEmulators({ dynamo: backend });
  });
  afterEach(() => setCrashPointHook(undefined));
  afterAll(async () => {
    await emulators?.stop();
  });

  /** A normal root whose only child was sent: its lane entry lingers, with nothing ready, for LANE_GRACE_MS. */
  async function lingering(t: Awaited<ReturnType<typeof pumpStack>>, name: string) {
    await t.submit(name, { type: 'PARENT' });
    await t.submit(`${name}.child`, { type: 'QUICK', parent: name });
    expect(t.sends()).toEqual([name, `${name}.child`]);
  }

  it('sends low work at once past up to five lingering normal entries, holds it behind a sixth, and lets it go once the normal lane empties', async () => {
    const t = await pumpStack(4);
    for (const name of ['N1', 'N2', 'N3', 'N4', 'N5']) await lingering(t, name);
    // The five entries' ready sets are looked into and found empty: nothing normal waits.
    await t.submit('L1', { type: 'QUICK', lowPriority: true });
    expect(t.sends()).toEqual(['L1 (low)']);

    // Past the probe's five entries the lane is taken as waiting, without reading further.
    await lingering(t, 'N6');
    await t.submit('L2', { type: 'QUICK', lowPriority: true });
    await t.submit('L3', { type: 'QUICK', lowPriority: true });
    expect(t.sends()).toEqual([]);

    // Past the grace, a child ending takes its root out of the lane; five entries are left,
    // none with ready work, so the low lane is pumped: L2 and L3 in the order they entered.
    clock.now += LANE_GRACE_MS + 100;
    expect(await t.run('N6.child')).toBe('finished');
    expect(t.sends()).toEqual(['L2 (low)', 'L3 (low)']);
    expect(t.warnings()).toEqual([]);
  });

  it('takes a lane as waiting when one shard alone holds more entries than the probe reads', async () => {
    const t = await pumpStack(4);
    // Roots until six share a lane shard; only those six get a child, and so a lane entry.
    const byShard = new Map<string, string[]>();
    let crowded: string[] = [];
    for (let i = 0; crowded.length < 6; i++) {
      const id = await t.submit(`R${i}`, { type: 'PARENT' });
      const shard = rootLanePartition('normal', id);
      byShard.set(shard, [...(byShard.get(shard) ?? []), `R${i}`]);
      crowded = byShard.get(shard)!;
    }
    for (const name of crowded) await t.submit(`${name}.child`, { type: 'QUICK', parent: name });
    t.sends();
    await t.submit('L1', { type: 'QUICK', lowPriority: true });
    expect(t.sends()).toEqual([]);
    expect(t.warnings()).toEqual([]);
  });

  it('serves 25 roots a pump, least-served first, and holds the low lane while more normal roots are in the lane', async () => {
    const t = await pumpStack(4);
    // A low-priority root and 26 normal roots, each of whose child was adopted by a submission
    // that died before its pump: ready work nobody pumped.
    await t.dying('L', { type: 'QUICK', lowPriority: true }, 'submit.created');
    const roots = Array.from({ length: 26 }, (_, i) => `R${String(i).padStart(2, '0')}`);
    for (const root of roots) {
      await t.submit(root, { type: 'PARENT' });
      await t.dying(`${root}.child`, { type: 'QUICK', parent: root }, 'adopt.childReady');
    }
    expect(t.sends()).toEqual(roots);

    // All entered at virtual time 0: the order is the roots' ids, here their submission order.
    expect((await t.stack.engine.sweep()).dispatched).toBe(25);
    expect(t.sends()).toEqual(roots.slice(0, 25).map((root) => `${root}.child`));
    // Within the grace the served roots keep their places at the head, with nothing ready;
    // the lane holds more than the pump read, so it counts as waiting and L waits too.
    expect((await t.stack.engine.sweep()).dispatched).toBe(0);
    // Past it, they leave the lane in one pump; the next reaches R25, the one after finds
    // the normal lane empty and sends L.
    clock.now += LANE_GRACE_MS + 100;
    expect((await t.stack.engine.sweep()).dispatched).toBe(0);
    expect((await t.stack.engine.sweep()).dispatched).toBe(1);
    expect(t.sends()).toEqual(['R25.child']);
    expect((await t.stack.engine.sweep()).dispatched).toBe(1);
    expect(t.sends()).toEqual(['L (low)']);
    expect(t.warnings()).toEqual([]);
  });

  it('holds the low lane while any normal root has ready work, however full its slots', async () => {
    const t = await pumpStack(2);
    await t.submit('N', { type: 'PARENT' });
    for (const name of ['N.a', 'N.b', 'N.c']) await t.submit(name, { type: 'QUICK', parent: 'N' });
    await t.submit('M', { type: 'PARENT' });
    for (const name of ['M.a', 'M.b']) await t.submit(name, { type: 'QUICK', parent: 'M' });
    expect(t.sends()).toEqual(['N', 'N.a', 'M', 'M.a']);
    await t.submit('L', { type: 'QUICK', lowPriority: true });
    expect((await t.stack.engine.sweep()).dispatched).toBe(0);
    expect(t.sends()).toEqual([]);

    // Each child's end frees a slot for the next of its root. N's last end leaves N with
    // nothing ready, but M still waits; M's last end leaves nothing normal ready.
    expect(await t.run('N.a')).toBe('finished');
    expect(t.sends()).toEqual(['N.b']);
    expect(await t.run('N.b')).toBe('finished');
    expect(t.sends()).toEqual(['N.c']);
    expect(await t.run('N.c')).toBe('finished');
    expect(t.sends()).toEqual([]);
    expect(await t.run('M.a')).toBe('finished');
    expect(t.sends()).toEqual(['M.b']);
    expect(await t.run('M.b')).toBe('finished');
    expect(t.sends()).toEqual(['L (low)']);
    expect(t.warnings()).toEqual([]);
  });

  /**
   * Root R (a PARENT, in flight from its submission) with a LIMITED child holding key `k`,
   * then `waiting` children adopted while R had no free slot: they sit in R's ready set, in
   * that order.
   */
  async function rootWithBacklog(t: Awaited<ReturnType<typeof pumpStack>>, waiting: Array<[string, 'LIMITED' | 'QUICK']>) {
    await t.submit('R', { type: 'PARENT' });
    await t.submit('K1', { type: 'LIMITED', data: { key: 'k' }, parent: 'R' });
    for (const [name, type] of waiting) await t.submit(name, { type, data: { key: 'k' }, parent: 'R' });
    expect(t.sends()).toEqual(['R', 'K1']);
  }

  it('reads past jobs of a full key for four rounds a pump, then leaves the rest to the next pump', async () => {
    const t = await pumpStack(2);
    await rootWithBacklog(t, [
      ['K2', 'LIMITED'],
      ['K3', 'LIMITED'],
      ['K4', 'LIMITED'],
      ['K5', 'LIMITED'],
      ['P1', 'QUICK'],
    ]);
    // R parks: one slot frees. K2..K5 find k full (K1 holds it) and move to its blocked set,
    // one a round; the fifth read would have reached P1.
    expect(await t.run('R')).toBe('parked');
    expect(t.sends()).toEqual([]);
    // The sweeper's pump starts over: P1 is now first in R's ready set.
    expect((await t.stack.engine.sweep()).dispatched).toBe(1);
    expect(t.sends()).toEqual(['P1']);
    // K1's end gives k to the oldest blocked job.
    expect(await t.run('K1')).toBe('finished');
    expect(t.sends()).toEqual(['K2']);
    expect(t.warnings()).toEqual([]);
  });

  it('reaches work behind a full key in the same pump when fewer than four rounds are enough', async () => {
    const t = await pumpStack(2);
    await rootWithBacklog(t, [
      ['K2', 'LIMITED'],
      ['K3', 'LIMITED'],
      ['K4', 'LIMITED'],
      ['P1', 'QUICK'],
      ['P2', 'QUICK'],
    ]);
    // The crash point between a claim and its send names the job claimed (crash tests pick by type).
    const claimed: unknown[] = [];
    setCrashPointHook((point, detail) => void (point === 'dispatch.claimed' && claimed.push(detail)));
    expect(await t.run('R')).toBe('parked');
    expect(t.sends()).toEqual(['P1']);
    expect(claimed).toEqual([{ jobId: t.ids.get('P1'), jobType: 'QUICK' }]);
    expect((await t.stack.engine.sweep()).dispatched).toBe(0);
    expect(t.warnings()).toEqual([]);
  });

  it('keeps the root’s bound across blocked rounds when a new deployment raises it', async () => {
    const t = await pumpStack(2);
    await rootWithBacklog(t, [
      ['K2', 'LIMITED'],
      ['P1', 'QUICK'],
      ['P2', 'QUICK'],
      ['P3', 'QUICK'],
    ]);
    // Bound 4, two in flight (R, K1): the first read takes K2 and P1; K2 is blocked, P1 sent,
    // and the next round reads only the one slot left.
    const wider = t.raise(4);
    expect((await wider.engine.sweep()).dispatched).toBe(2);
    expect(t.sends()).toEqual(['P1', 'P2']);
    expect((await wider.engine.sweep()).dispatched).toBe(0);
    expect(t.warnings()).toEqual([]);
  });

  it('counts what a root sent before its ready set ran out behind a full key', async () => {
    const t = await pumpStack(2);
    await rootWithBacklog(t, [
      ['K2', 'LIMITED'],
      ['P1', 'QUICK'],
    ]);
    // The first read takes K2 (blocked) and P1 (sent); the second finds the ready set empty.
    // The root keeps its place, and the sweep reports the one message sent.
    const wider = t.raise(4);
    expect((await wider.engine.sweep()).dispatched).toBe(1);
    expect(t.sends()).toEqual(['P1']);
    expect(t.warnings()).toEqual([]);
  });

  it('reads a root’s ready set again only for jobs a full key turned away, not for one stopped under the pump', async () => {
    const t = await pumpStack(2);
    await rootWithBacklog(t, [
      ['P1', 'QUICK'],
      ['P2', 'QUICK'],
      ['P3', 'QUICK'],
    ]);
    // Under bound 4 the pump reads P1 and P2; a stop of P2 lands between its claim of P1 and of P2.
    setCrashPointHook(async (point, detail) => {
      if (point === 'dispatch.claimed' && detail.jobId === t.ids.get('P1')) await t.stack.engine.apply('stop', t.ids.get('P2')!, { tenant: t.tenant });
    });
    expect((await t.raise(4).engine.sweep()).dispatched).toBe(1);
    setCrashPointHook(undefined);
    expect(t.sends()).toEqual(['P1']);
    expect((await t.stack.engine.get(t.ids.get('P2')!, { tenant: t.tenant })).status).toBe('STOPPED');
    expect(t.warnings()).toEqual([]);
  });

  it('pumps only the root that gained work, but low work finding normal work waiting pumps the normal lane', async () => {
    const t = await pumpStack(2);
    await rootWithBacklog(t, [['P1', 'QUICK']]);
    // Under bound 4 R has free slots, but only S's own work goes when S gains a child.
    const wider = t.raise(4);
    await t.submit('S', { type: 'PARENT' }, wider);
    await t.submit('S.child', { type: 'QUICK', parent: 'S' }, wider);
    expect(t.sends()).toEqual(['S', 'S.child']);
    // L is held behind R's ready P1, and its submission pumps the normal lane instead.
    await t.submit('L', { type: 'QUICK', lowPriority: true }, wider);
    expect(t.sends()).toEqual(['P1']);
    expect((await wider.engine.sweep()).dispatched).toBe(1);
    expect(t.sends()).toEqual(['L (low)']);
    expect(t.warnings()).toEqual([]);
  });

  it('counts a root’s own in-flight jobs, not those of a root sharing its in-flight partition', async () => {
    const t = await pumpStack(2);
    const byPartition = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const partition = inFlightPartition(await t.submit(`R${i}`, { type: 'PARENT' }));
      const other = byPartition.get(partition);
      if (other) pair = [other, `R${i}`];
      byPartition.set(partition, `R${i}`);
    }
    t.sends();
    const [a, b] = pair;
    // A's child fills A's two slots; B, in the same partition, has one job in flight.
    await t.submit(`${a}.child`, { type: 'QUICK', parent: a });
    await t.submit(`${b}.child`, { type: 'QUICK', parent: b });
    expect(t.sends()).toEqual([`${a}.child`, `${b}.child`]);
    expect(t.warnings()).toEqual([]);
  });

  it('reports a send the queue refused and leaves the job in flight; the sweeper counts its resend once one went', async () => {
    const t = await pumpStack(4);
    t.refused.add('Q');
    const id = await t.submit('Q', { type: 'QUICK' });
    expect(t.sends()).toEqual([]);
    const refusal = { type: 'warning', message: 'work message not sent; the sweeper will resend it', jobId: id, error: new Error('queue unavailable') };
    expect(t.warnings()).toEqual([refusal]);

    clock.now += REDISPATCH_AFTER_MS + 1;
    expect((await t.stack.engine.sweep()).lostDispatches).toBe(0);
    expect(t.warnings()).toEqual([refusal, refusal]);
    t.refused.delete('Q');
    clock.now += REDISPATCH_AFTER_MS + 1;
    expect((await t.stack.engine.sweep()).lostDispatches).toBe(1);
    expect(t.sends()).toEqual(['Q']);
  });
});
