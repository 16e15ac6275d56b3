import { describe, expect, it } from 'vitest';
import type { Job } from '@stint/core';
import { LogStore } from '@stint/core/store/log-store';
import { createApi } from '@stint/functions/api/api';
import { placeJob } from '../support/jobs.ts';
import { ADMIN_TOKEN, useApiStack, TENANT_A, type ApiStack } from './api-stack.ts';
import { engineInternals } from '@stint/core/testing';

let api: ApiStack;
useApiStack((stack) => (api = stack));

const place = (status: 'PENDING' | 'RUNNING' | 'FINISHED') =>
  placeJob(engineInternals(api.stack.engine).deps.jobs, { type: 'QUICK', status, tenant: TENANT_A, leased: status === 'RUNNING' });

describe('job logs', () => {
  it('adds INFO and ERROR lines (201) and reads them newest first, filtered by level', async () => {
    const job = await place('RUNNING');
    const info = await api.call('POST', `/api/jobs/${job.id}/logs`, { token: api.tokens.tenantAdminA, body: { level: 'INFO', message: 'step one' } });
    expect(info.status).toBe(201);
    expect(await info.json()).toMatchObject({ level: 'INFO', message: 'step one', additionalInfo: null });
    await api.call('POST', `/api/jobs/${job.id}/logs`, { token: api.tokens.tenantAdminA, body: { level: 'ERROR', message: 'step two failed' } });

    const all = (await (await api.call('GET', `/api/jobs/${job.id}/logs`, { token: api.tokens.viewerA })).json()) as { items: Array<{ message: string }> };
    expect(all.items.map((l) => l.message)).toEqual(['step two failed', 'step one']);
    const errors = (await (await api.call('GET', `/api/jobs/${job.id}/logs?level=ERROR`)).json()) as { items: Array<{ message: string }> };
    expect(errors.items.map((l) => l.message)).toEqual(['step two failed']);
  });

  it('sets hasErrors with an ERROR line and moves a finished job from completed to failed', async () => {
    const tenant = 'logs-summary';
    const submitted = (await (await api.call('POST', '/api/jobs', { body: { type: 'QUICK', tenant } })).json()) as Job;
    await api.stack.runUntil(async () => (await api.stack.engine.get(submitted.id, { tenant })).status === 'FINISHED');
    const summary = async () => (await api.call('GET', `/api/summary?tenant=${tenant}`)).json();
    expect(await summary()).toEqual({ total: 1, active: 0, completed: 1, failed: 0, canceled: 0 });

    await api.call('POST', `/api/jobs/${submitted.id}/logs`, { body: { level: 'ERROR', message: 'found later' } });
    await api.call('POST', `/api/jobs/${submitted.id}/logs`, { body: { level: 'ERROR', message: 'and again' } });

    expect((await api.stack.engine.get(submitted.id, { tenant })).hasErrors).toBe(true);
    expect(await summary()).toEqual({ total: 1, active: 0, completed: 0, failed: 1, canceled: 0 });
  });

  it.each([
    [{ level: 'DEBUG', message: 'x' }, 'level'],
    [{ level: 'INFO', message: '' }, 'message'],
    [{ level: 'INFO' }, 'message'],
  ])('refuses the line %j with 400 naming %s', async (body, field) => {
    const job = await place('RUNNING');
    const response = await api.call('POST', `/api/jobs/${job.id}/logs`, { body });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'badRequest', field } });
  });

  it.each([
    ['level=WARN', 'level', 'level must be INFO or ERROR; got "WARN"'],
    ['period=fortnight', 'period', 'period must be today, yesterday or a duration such as 2h 30m, 10m, 1d 2h or 45s; got "fortnight"'],
    ['colour=red', 'colour', 'unknown parameter "colour"; valid parameters are level, message, from, to, period, timeZone, _size, cursor, after'],
    ['period=today&timeZone=Europe/Pariss', 'timeZone', 'timeZone must be an IANA time zone such as Europe/Paris; got "Europe/Pariss"'],
  ])('refuses the log query %s with 400', async (query, field, message) => {
    const job = await place('RUNNING');
    const response = await api.call('GET', `/api/jobs/${job.id}/logs?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: 'badRequest', message, field } });
  });
});

describe('log periods in a time zone', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  /** Midnight that starts today at a fixed offset from UTC (the Etc zones never change offset). */
  const midnightAt = (now: number, offsetHours: number) => Math.floor((now + offsetHours * HOUR) / DAY) * DAY - offsetHours * HOUR;

  it('starts today at midnight in the caller’s zone, UTC when none is named', async () => {
    const now = Date.now();
    // UTC+14 and UTC−12 are 26 h apart, so their midnights are at least 2 h apart: a line at the
    // earlier one is today in that zone (the range includes its start) and yesterday in the other.
    const zones = [
      { name: 'Etc/GMT-14', start: midnightAt(now, 14) },
      { name: 'Etc/GMT+12', start: midnightAt(now, -12) },
    ].sort((a, b) => a.start - b.start);
    const job = await place('RUNNING');
    const logs = new LogStore(api.stack.clients.dynamo, api.stack.config.tableName);
    const line = { timestamp: zones[0]!.start, level: 'INFO' as const, message: 'at the earlier midnight', additionalInfo: null };
    await engineInternals(api.stack.engine).deps.jobs.batchWrite(logs.toItems(job.id, [line]).map((Item) => ({ PutRequest: { Item } })));

    const read = async (query: string) =>
      ((await (await api.call('GET', `/api/jobs/${job.id}/logs?${query}`)).json()) as { items: Array<{ message: string }> }).items.map((l) => l.message);
    expect(await read(`period=today&timeZone=${encodeURIComponent(zones[0]!.name)}`)).toEqual([line.message]);
    expect(await read(`period=today&timeZone=${encodeURIComponent(zones[1]!.name)}`)).toEqual([]);
    expect(await read(`period=yesterday&timeZone=${encodeURIComponent(zones[1]!.name)}`)).toEqual([line.message]);
    const utcToday = line.timestamp >= midnightAt(now, 0);
    expect(await read('period=today')).toEqual(utcToday ? [line.message] : []);
  });
});

describe('wait', () => {
  it('answers the job once it reaches a wanted status', async () => {
    const submitted = (await (await api.call('POST', '/api/jobs', { token: api.tokens.tenantAdminA, body: { type: 'QUICK', data: { n: 4 } } })).json()) as Job;
    api.stack.poller.start();
    const response = await api.call('GET', `/api/jobs/${submitted.id}/wait?status=FINISHED,CANCELED&maxTimeToWait=20000`, { token: api.tokens.viewerA });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: submitted.id, status: 'FINISHED', results: { n: 8 } });
  });

  it('answers 408 `timeout` once maxTimeToWait has passed', async () => {
    const job = await place('PENDING');
    const started = Date.now();
    const response = await api.call('GET', `/api/jobs/${job.id}/wait?status=FINISHED&maxTimeToWait=300`);
    expect(response.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await response.json()).toEqual({
      error: { code: 'timeout', message: `job ${job.id} is PENDING; it did not reach FINISHED within 300 ms` },
    });
  });

  it('answers 202 `waiting` when maxTimeToWait is longer than one request may wait', async () => {
    const app = createApi({
      engine: api.stack.engine,
      clients: api.stack.clients,
      config: api.stack.config,
      auth: { adminToken: ADMIN_TOKEN },
      limits: { longPollMs: 200 },
    });
    const job = await place('PENDING');
    const response = await app.request(`/api/jobs/${job.id}/wait?status=FINISHED&maxTimeToWait=5000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { status: string; retryAfterMs: number; remainingMs: number; job: Job };
    expect(body).toMatchObject({ status: 'waiting', retryAfterMs: 0, job: { id: job.id, status: 'PENDING' } });
    expect(body.remainingMs).toBeGreaterThan(4_000);
    expect(body.remainingMs).toBeLessThanOrEqual(4_800);
  });

  it.each([
    ['status=DONE&maxTimeToWait=10', 'status'],
    ['status=FINISHED', 'maxTimeToWait'],
    ['status=FINISHED&maxTimeToWait=soon', 'maxTimeToWait'],
  ])('refuses %s with 400', async (query, field) => {
    const job = await place('PENDING');
    const response = await api.call('GET', `/api/jobs/${job.id}/wait?${query}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'badRequest', field } });
  });
});
