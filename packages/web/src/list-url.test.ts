import { describe, expect, it } from 'vitest';
import { canonicalParams, href, MAX_TRAIL, pager, queryParams, sameQuery } from './list-url.ts';

describe('canonical list URLs', () => {
  it('drops empty fields and defaults, joins repeated statuses and orders the parameters', () => {
    const params = canonicalParams(
      { sort: ['date'], status: ['RUNNING', 'PENDING', 'RUNNING'], q: [' report '], type: [''], system: ['false'], _size: ['25'] },
      'UTC',
    );
    expect(href('/jobs', params)).toBe('/jobs?q=report&status=RUNNING,PENDING&_size=25');
  });

  it('reads datetime-local values in the viewer’s zone; an upper bound covers its whole minute', () => {
    const params = canonicalParams({ createFrom: ['2025-01-31T10:00'], createTo: ['2025-01-31T10:00'] }, 'Europe/Madrid');
    expect(params.get('createFrom')).toBe(String(Date.UTC(2025, 0, 31, 9, 0)));
    expect(params.get('createTo')).toBe(String(Date.UTC(2025, 0, 31, 9, 0) + 59_999));
  });

  it('keeps a value it cannot read, so the query parser names it', () => {
    expect(canonicalParams({ createFrom: ['yesterday-ish'] }, 'UTC').get('createFrom')).toBe('yesterday-ish');
  });

  it('recognises a canonical query whatever its escaping, and a form submission as not canonical', () => {
    const params = canonicalParams({ status: ['RUNNING', 'PENDING'] }, 'UTC');
    expect(sameQuery('?status=RUNNING%2CPENDING', params)).toBe(true);
    expect(sameQuery('?status=RUNNING,PENDING', params)).toBe(true);
    expect(sameQuery('?status=RUNNING&status=PENDING&q=', params)).toBe(false);
  });

  it('passes the api only its own parameters', () => {
    const params = new URLSearchParams({ status: 'RUNNING', cursor: 'c2', trail: 'c1', page: '3' });
    expect(queryParams(params)).toEqual({ status: 'RUNNING', cursor: 'c2' });
  });
});

describe('the pager', () => {
  it('walks forward and back with the cursors kept in the URL', () => {
    const first = new URLSearchParams({ status: 'RUNNING' });
    const p1 = pager(first, 'c1');
    expect(p1).toMatchObject({ page: 1, first: null, previous: null });
    const second = p1.next!;
    expect(second.toString()).toBe('status=RUNNING&cursor=c1&page=2');
    const p2 = pager(second, 'c2');
    expect(p2.previous!.toString()).toBe('status=RUNNING');
    const third = p2.next!;
    expect(third.toString()).toBe('status=RUNNING&cursor=c2&trail=c1&page=3');
    const p3 = pager(third, null);
    expect(p3.next).toBeNull();
    expect(p3.previous!.toString()).toBe('status=RUNNING&cursor=c1&page=2');
    expect(p3.first!.toString()).toBe('status=RUNNING');
  });

  it('bounds the trail; past it only First goes back to the start', () => {
    let params = new URLSearchParams();
    for (let i = 1; i <= MAX_TRAIL + 3; i++) params = pager(params, `c${i}`).next!;
    expect(params.get('trail')!.split('.')).toHaveLength(MAX_TRAIL);
    expect(params.get('page')).toBe(String(MAX_TRAIL + 4));
  });
});
