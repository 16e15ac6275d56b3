import { describe, expect, it } from 'vitest';
import { CsvParser, csvLine, parseCsv, type CsvRecord } from './csv.ts';

const fields = (records: CsvRecord[]) => records.map((r) => r.fields);
const bytes = (text: string) => new TextEncoder().encode(text);

function parseInPieces(input: Uint8Array, pieceSize: number): CsvRecord[] {
  const parser = new CsvParser();
  const out: CsvRecord[] = [];
  for (let i = 0; i < input.length; i += pieceSize) out.push(...parser.push(input.subarray(i, i + pieceSize)));
  return [...out, ...parser.end()];
}

describe('parseCsv', () => {
  it('parses plain rows with LF, CRLF and no final newline', () => {
    expect(fields(parseCsv('a,b\n1,2\r\n3,4'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps commas, quotes and line breaks inside quoted fields', () => {
    const records = parseCsv('name,note\n"Smith, John","said ""hi""\nthen left"\r\nx,""\n');
    expect(fields(records)).toEqual([
      ['name', 'note'],
      ['Smith, John', 'said "hi"\nthen left'],
      ['x', ''],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(records.every((r) => r.error === undefined)).toBe(true);
  });

  it('keeps empty fields and skips blank lines', () => {
    expect(fields(parseCsv('a,,c\n\n\r\n,\n""\n'))).toEqual([['a', '', 'c'], ['', ''], ['']]);
  });

  it('treats a lone CR as a line end', () => {
    const records = parseCsv('a\rb\r');
    expect(fields(records)).toEqual([['a'], ['b']]);
    expect(records.map((r) => r.line)).toEqual([1, 2]);
  });

  it('reports a quoted field that is never closed', () => {
    const records = parseCsv('a,b\n1,"open\n2,3\n');
    expect(records).toHaveLength(2);
    expect(records[1]!.error).toMatch(/not closed/);
    expect(records[1]!.line).toBe(2);
  });

  it('reports text after a closing quote but goes on with the next record', () => {
    const records = parseCsv('"a"b,c\nd,e\n');
    expect(records[0]!.error).toMatch(/after a closing quote/);
    expect(records[1]).toMatchObject({ fields: ['d', 'e'], line: 2 });
    expect(records[1]!.error).toBeUndefined();
  });

  it('keeps a quote inside an unquoted field as a character', () => {
    expect(fields(parseCsv('5" disk,x\n'))).toEqual([['5" disk', 'x']]);
  });
});

describe('CsvParser', () => {
  const text = 'name,city\n"Zoë, Ltd","São\r\nPaulo"\r\nÅngström,"Kraków ""PL"""\n\nlast,row\r';

  it('gives the same records whatever the chunk boundaries, even inside multi-byte characters', () => {
    const whole = parseInPieces(bytes(text), 1_000);
    expect(fields(whole)).toEqual([
      ['name', 'city'],
      ['Zoë, Ltd', 'São\r\nPaulo'],
      ['Ångström', 'Kraków "PL"'],
      ['last', 'row'],
    ]);
    for (const size of [1, 2, 3, 5, 7]) expect(parseInPieces(bytes(text), size)).toEqual(whole);
  });

  it('reports byte offsets and lines from which parsing can resume', () => {
    const input = bytes(text);
    const whole = parseInPieces(input, 1_000);
    expect(whole.at(-1)!.endOffset).toBe(input.length);
    for (const [i, record] of whole.entries()) {
      const resumed = new CsvParser({ offset: record.endOffset, line: record.endLine });
      const rest = [...resumed.push(input.subarray(record.endOffset)), ...resumed.end()];
      expect(rest).toEqual(whole.slice(i + 1));
    }
    expect(whole.map((r) => r.line)).toEqual([1, 2, 4, 6]);
  });

  it('reports where the input ended', () => {
    const parser = new CsvParser();
    parser.push(bytes('a,b\n\n'));
    parser.end();
    expect(parser.position()).toEqual({ offset: 5, line: 3 });
  });
});

describe('csvLine', () => {
  it('quotes only what needs quoting and round-trips through the parser', () => {
    const values = ['plain', 'with, comma', 'with "quote"', 'two\nlines', 42];
    const line = csvLine(values);
    expect(line).toBe('plain,"with, comma","with ""quote""","two\nlines",42\r\n');
    expect(fields(parseCsv(line))).toEqual([values.map(String)]);
  });
});
