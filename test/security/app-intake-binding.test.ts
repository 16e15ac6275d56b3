/**
 * Issue 11, item 10: intake producers are bound to tenants. Messages go through a real queue,
 * so the producer is the sender id the queue reports (fauxqs reports account 000000000000).
 */
import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { defineJob } from '@stint/sdk';
import { defaultIntakeBinding, type IntakeBinding } from '@stint/functions/intake-binding';
import { createIntakeHandler } from '@stint/functions/intake-handler';
import { SqsPoller } from '@stint/local/sqs-poller';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/gate.ts';
import { ACME, GLOBEX, useAppStack, type AppStack } from './app-stack.ts';

const NOTE = defineJob({ type: 'NOTE', access: { intake: true }, run: async () => ({}) });
/** Waits for `paid` keyed by its own id. */
const AWAITS_PAYMENT = defineJob({
  type: 'AWAITS_PAYMENT',
  run: async (ctx) => ({ payment: await ctx.waitForEvent('paid', { key: ctx.job.id, timeoutMs: 3_600_000 }) }),
});

let s: AppStack;
useAppStack((stack) => (s = stack), { definitions: [NOTE, AWAITS_PAYMENT] });

/** Sends the messages to the intake queue and feeds them to an intake handler with `binding`; returns the reasons of rejections. */
async function deliver(binding: IntakeBinding, messages: object[]): Promise<string[]> {
  const { clients, provisioned, engine } = s.api.stack;
  const rejected: string[] = [];
  let accepted = 0;
  const poller = new SqsPoller({
    sqs: clients.sqs,
    queues: [{ url: provisioned.queueUrls.intake, arn: 'arn:aws:sqs:us-east-1:000000000000:intake' }],
    handler: createIntakeHandler(engine, {
      defaultTenant: 'default',
      binding,
      onRejected: (r) => rejected.push(r.reason),
      onAccepted: () => accepted++,
      onEventSent: () => accepted++,
    }),
  });
  for (const message of messages) {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: provisioned.queueUrls.intake, MessageBody: JSON.stringify(message) }));
  }
  await eventually(async () => {
    await poller.pollOnce();
    return rejected.length + accepted >= messages.length;
  }, 20_000);
  // A rejected message stays for its redrive to the DLQ; the next test must not see it again.
  await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: provisioned.queueUrls.intake }));
  return rejected;
}

const notes = async (tenant: string) => (await s.call('GET', `/api/jobs?tenant=${tenant}&type=NOTE`, s.tokens.admin)).body.items.length as number;

describe('issue 11 item 10: intake producer → tenant binding', () => {
  it('accepts a producer’s messages into the tenants it is bound to only', async () => {
    const rejected = await deliver({ '000000000000': [ACME] }, [
      { type: 'NOTE', tenant: ACME, idempotencyKey: 'bound-1' },
      { type: 'NOTE', tenant: GLOBEX, idempotencyKey: 'bound-2' },
    ]);
    expect(rejected).toEqual([`intake producer 000000000000 is not bound to tenant ${GLOBEX}, so it cannot submit NOTE there`]);
    expect([await notes(ACME), await notes(GLOBEX)]).toEqual([1, 0]);
  });

  it('takes an event from a producer into the tenants it is bound to only, and wakes the job there that waits for it', async () => {
    const { job } = await s.api.stack.engine.submit({ type: 'AWAITS_PAYMENT', tenant: ACME });
    const waiting = async () => (await s.api.stack.engine.get(job.id, { tenant: ACME })).waitingForEvent !== null;
    await s.api.stack.runUntil(waiting);
    const rejected = await deliver({ '000000000000': [ACME] }, [
      { event: { name: 'paid', key: job.id, tenant: GLOBEX, data: { amount: 1 } } },
      { event: { name: 'paid', key: job.id, tenant: ACME, data: { amount: 42 } } },
      { event: { name: 'paid' } },
    ]);
    expect(rejected.sort()).toEqual([
      'event.key must be a string; got nothing',
      `intake producer 000000000000 is not bound to tenant ${GLOBEX}, so it cannot send events there`,
    ]);
    await s.api.stack.runUntil(async () => (await s.api.stack.engine.get(job.id, { tenant: ACME })).status === 'FINISHED');
    expect((await s.api.stack.engine.get(job.id, { tenant: ACME })).results).toEqual({ payment: { amount: 42 } });
  });

  it('by default lets any producer submit into the default tenant and nowhere else', async () => {
    const rejected = await deliver(defaultIntakeBinding('default'), [
      { type: 'NOTE', idempotencyKey: 'default-1' },
      { type: 'NOTE', tenant: GLOBEX, idempotencyKey: 'default-2' },
    ]);
    expect(rejected).toEqual([`intake producer 000000000000 is not bound to tenant ${GLOBEX}, so it cannot submit NOTE there`]);
    expect([await notes('default'), await notes(GLOBEX)]).toEqual([1, 0]);
  });
});
