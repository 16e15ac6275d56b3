import { csvRow } from '@stint/core/query';

/**
 * RFC 4180 CSV, parsed incrementally over bytes.
 *
 * The parser works on bytes rather than text so that every record can say exactly where it
 * ends in the file: an import step stores that offset and the next step reads the object
 * from there with a ranged GET, instead of re-reading the whole file on every resume.
 * Working on bytes is safe in UTF-8 because the bytes of a multi-byte character are never
 * ASCII, so `"`, `,`, CR and LF can only be the delimiters themselves.
 *
 * Lenient where the RFC leaves room: LF and lone CR end records like CRLF does, blank lines
 * are skipped, and a quote inside an unquoted field is kept as a character. Text after a
 * closing quote and a quoted field left open at the end are reported on the record.
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts (quoted newlines count as lines). */
  line: number;
  /** Byte offset just past the record's terminator: where the next record starts. */
  endOffset: number;
  /** Line on which the next record starts. */
  endLine: number;
  error?: string;
}

export interface CsvPosition {
  offset: number;
  line: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const CR = 0x0d;
const LF = 0x0a;

// Parser states (plain numbers: the hot loop runs once per byte).
const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** A quote inside a quoted field: either an escaped quote or the closing one. */
  QuoteInQuoted: 3,
  /** After the closing quote; only a delimiter may follow. */
  Closed: 4,
} as const;
type State = (typeof State)[keyof typeof State];

export class CsvParser {
  #state: State = State.FieldStart;
  #offset: number;
  #line: number;
  #recordLine: number;
  #recordBytes = 0;
  #pendingCR = false;
  #fields: string[] = [];
  #field = new Uint8Array(256);
  #fieldLength = 0;
  #error: string | undefined;
  readonly #decoder = new TextDecoder('utf-8');

  /** Start at `from` when the bytes fed in begin mid-file (a ranged read). */
  constructor(from: CsvPosition = { offset: 0, line: 1 }) {
    this.#offset = from.offset;
    this.#line = from.line;
    this.#recordLine = from.line;
  }

  /** Where the bytes fed so far end: after end(), the end of the input. */
  position(): CsvPosition {
    return { offset: this.#offset, line: this.#line };
  }

  /** Feeds bytes; returns the records they completed. */
  push(chunk: Uint8Array): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const pos = this.#offset + i;
      const b = chunk[i]!;
      if (this.#pendingCR) {
        this.#pendingCR = false;
        this.#line++;
        if (b === LF) {
          this.#finishRecord(out, pos + 1);
          continue;
        }
        this.#finishRecord(out, pos);
      }
      this.#byte(b, pos, out);
    }
    this.#offset += chunk.length;
    return out;
  }

  /** Signals the end of the input; returns the last record if it had no terminator. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.#pendingCR) {
      this.#pendingCR = false;
      this.#line++;
      this.#finishRecord(out, this.#offset);
      return out;
    }
    if (this.#recordBytes === 0) return out;
    if (this.#state === State.Quoted) this.#error ??= 'quoted field is not closed before the end of the file';
    this.#endField();
    this.#finishRecord(out, this.#offset);
    return out;
  }

  #byte(b: number, pos: number, out: CsvRecord[]) {
    this.#recordBytes++;
    switch (this.#state) {
      case State.Quoted:
        if (b === QUOTE) this.#state = State.QuoteInQuoted;
        else {
          if (b === LF) this.#line++;
          this.#append(b);
        }
        return;
      case State.QuoteInQuoted:
        if (b === QUOTE) {
          this.#append(b);
          this.#state = State.Quoted;
          return;
        }
        this.#state = State.Closed;
        break;
    }
    if (b === COMMA) {
      this.#endField();
      this.#state = State.FieldStart;
    } else if (b === LF) {
      this.#endField();
      this.#line++;
      this.#finishRecord(out, pos + 1);
    } else if (b === CR) {
      // Whether an LF follows may only be known from the next chunk.
      this.#endField();
      this.#pendingCR = true;
    } else if (this.#state === State.FieldStart) {
      if (b === QUOTE) this.#state = State.Quoted;
      else {
        this.#append(b);
        this.#state = State.Unquoted;
      }
    } else {
      if (this.#state === State.Closed) this.#error ??= 'unexpected character after a closing quote';
      this.#append(b);
    }
  }

  #append(b: number) {
    if (this.#fieldLength === this.#field.length) {
      const bigger = new Uint8Array(this.#field.length * 2);
      bigger.set(this.#field);
      this.#field = bigger;
    }
    this.#field[this.#fieldLength++] = b;
  }

  #endField() {
    this.#fields.push(this.#decoder.decode(this.#field.subarray(0, this.#fieldLength)));
    this.#fieldLength = 0;
  }

  #finishRecord(out: CsvRecord[], endOffset: number) {
    // A terminator alone (one byte, or CRLF counted as one byte here) is a blank line.
    const blank = this.#recordBytes <= 1 && this.#fields.length === 1 && this.#fields[0] === '';
    if (!blank) {
      out.push({
        fields: this.#fields,
        line: this.#recordLine,
        endOffset,
        endLine: this.#line,
        ...(this.#error ? { error: this.#error } : {}),
      });
    }
    this.#fields = [];
    this.#error = undefined;
    this.#recordBytes = 0;
    this.#state = State.FieldStart;
    this.#recordLine = this.#line;
  }
}

/** Parses a whole document; convenient for small inputs and tests. */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(new TextEncoder().encode(text)), ...parser.end()];
}

/**
 * One record with its line end, written by the jobs export's rule (core's csv.ts): quoted only
 * when it must be, and a text cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR)
 * made text with a leading apostrophe, since record names are user input.
 */
export function csvLine(values: Array<string | number>): string {
  return `${csvRow(values)}\r\n`;
}
