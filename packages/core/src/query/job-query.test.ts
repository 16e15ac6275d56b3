import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.ts';
import { parseJobQuery } from './job-query.ts';

function fieldOf(params: Record<string, string>): string | undefined {
  try {
    parseJobQuery(params);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as BadRequestError).field;
  }
  throw new Error(`accepted ${JSON.stringify(params)}`);
}

describe('parseJobQuery', () => {
  it('has defaults: newest first, 50 a page, system jobs and children hidden', () => {
    expect(parseJobQuery({})).toEqual({
      types: [],
      statuses: [],
      create: null,
      start: null,
      end: null,
      hasErrors: null,
      system: false,
      children: false,
      parentId: null,
      rootId: null,
      sort: 'date',
      size: 50,
      cursor: null,
      q: null,
    });
  });

  it('parses every parameter', () => {
    const q = parseJobQuery({
      type: 'IMPORT_RECORDS, EXPORT_RECORDS,IMPORT_RECORDS',
      status: 'FINISHED,STOPPED',
      createFrom: '1000',
      createTo: '2000',
      startFrom: '1500',
      endTo: '9000',
      hasErrors: 'true',
      system: 'true',
      parentId: 'abc123',
      rootId: 'root1',
      sort: 'name',
      _size: '1000',
      cursor: 'eyJ2IjoxfQ',
      q: '  Invoice ',
    });
    expect(q).toMatchObject({
      types: ['IMPORT_RECORDS', 'EXPORT_RECORDS'],
      statuses: ['FINISHED', 'STOPPED'],
      create: { from: 1000, to: 2000 },
      start: { from: 1500, to: null },
      end: { from: null, to: 9000 },
      hasErrors: true,
      system: true,
      parentId: 'abc123',
      rootId: 'root1',
      sort: 'name',
      size: 1000,
      cursor: 'eyJ2IjoxfQ',
      q: 'Invoice',
    });
  });

  it('treats empty values as not given, as forms send them', () => {
    expect(parseJobQuery({ status: '', _size: '', q: '' })).toMatchObject({ statuses: [], size: 50, q: null });
  });

  it('accepts a bound alone and an equal range', () => {
    expect(parseJobQuery({ createTo: '5' }).create).toEqual({ from: null, to: 5 });
    expect(parseJobQuery({ endFrom: '7', endTo: '7' }).end).toEqual({ from: 7, to: 7 });
  });

  it.each([
    [{ stauts: 'FINISHED' }, 'stauts'],
    [{ status: 'DONE' }, 'status'],
    [{ status: 'finished' }, 'status'],
    [{ status: ',' }, 'status'],
    [{ type: 'bad type' }, 'type'],
    [{ createFrom: 'yesterday' }, 'createFrom'],
    [{ startTo: '-5' }, 'startTo'],
    [{ endFrom: '1.5' }, 'endFrom'],
    [{ createFrom: '10', createTo: '9' }, 'createTo'],
    [{ startFrom: '10', startTo: '9' }, 'startTo'],
    [{ endFrom: '10', endTo: '9' }, 'endTo'],
    [{ hasErrors: 'yes' }, 'hasErrors'],
    [{ system: '1' }, 'system'],
    [{ parentId: 'a b' }, 'parentId'],
    [{ rootId: 'x'.repeat(129) }, 'rootId'],
    [{ sort: 'label' }, 'sort'],
    [{ _size: '0' }, '_size'],
    [{ _size: '1001' }, '_size'],
    [{ _size: 'ten' }, '_size'],
    [{ cursor: 'x'.repeat(3000) }, 'cursor'],
    [{ q: '   ' }, 'q'],
    [{ q: 'x'.repeat(201) }, 'q'],
  ])('rejects %j naming %s', (params, field) => {
    expect(fieldOf(params as Record<string, string>)).toBe(field);
  });

  it('reports an unknown parameter before malformed ones, and says why', () => {
    try {
      parseJobQuery({ _size: '0', colour: 'red' });
      expect.unreachable();
    } catch (error) {
      expect((error as BadRequestError).field).toBe('colour');
      expect((error as Error).message).toMatch(/unknown parameter "colour"; valid parameters are type, status/);
    }
  });

  it('explains a bad status with the valid ones', () => {
    expect(() => parseJobQuery({ status: 'PENDING,DONE' })).toThrow(
      'status must be one of PENDING, RUNNING, FINISHED, STOPPING, STOPPED, CANCELING, CANCELED; got "DONE"',
    );
    expect(() => parseJobQuery({ status: 'DONE' })).toThrow(/PENDING, RUNNING, FINISHED, STOPPING, STOPPED, CANCELING, CANCELED/);
    expect(() => parseJobQuery({ createFrom: '9', createTo: '1' })).toThrow('createTo must not be before createFrom (9); got 1');
  });
});
