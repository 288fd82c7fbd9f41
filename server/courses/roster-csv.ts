/**
 * Reads a roster CSV: a header with `name`, `email` and optionally `student_id` (any order, any case), then one
 * student per row. Everything wrong is collected with its line number and a stable code (ROSTER_ERROR_CODES), so a
 * file is either wholly acceptable or refused with every reason; nothing is half-imported.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { PERSON_NAME_MAX, STUDENT_NUMBER_MAX, type RosterErrorCode, type RosterProblem } from '@convlab/protocol';
import { z } from 'zod';
import type { RosterRow } from '../db';

/** Problems reported at most (a wholly wrong file would otherwise answer with thousands). */
export const MAX_PROBLEMS = 100;

const COLUMNS = { name: 'name', email: 'email', student_id: 'studentNumber' } as const;
type Column = keyof typeof COLUMNS;

const EmailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());

/** `Student ID`, `student-id` and `STUDENT_ID` all name the same column. */
function columnKey(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

export type RosterParse = { ok: true; rows: RosterRow[] } | { ok: false; problems: RosterProblem[] };

/** Parses and checks a roster; `maxRows` is the most students one file may hold (CONVLAB_ROSTER_MAX_ROWS). */
export function parseRoster(text: string, options: { maxRows: number }): RosterParse {
  const problems: RosterProblem[] = [];
  const problem = (line: number, code: RosterErrorCode, message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ line, code, message });
  };
  const refused = (): RosterParse => ({ ok: false, problems });

  // The browser decodes the file as UTF-8: a replacement character means bytes that were not UTF-8.
  const badByte = text.indexOf('\uFFFD');
  if (badByte >= 0) {
    problem(lineOf(text, badByte), 'BAD_CSV', 'the file is not UTF-8 text (save it as "CSV UTF-8")');
    return refused();
  }

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, skip_records_with_empty_values: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines ?? 0;
    problem(line, 'BAD_CSV', csvMessage(error));
    return refused();
  }

  const [header, ...body] = records;
  if (!header) {
    problem(0, 'EMPTY', 'the file is empty: it needs a header (name, email, student_id) and one student per row');
    return refused();
  }
  const headerLine = header.info.lines;
  const index: Partial<Record<Column, number>> = {};
  header.record.forEach((cell, i) => {
    const key = columnKey(cell);
    if (!(key in COLUMNS)) {
      problem(headerLine, 'UNKNOWN_COLUMN', `unknown column "${cell.slice(0, 60)}": the columns are name, email and student_id`);
    } else if (index[key as Column] !== undefined) {
      problem(headerLine, 'DUPLICATE_COLUMN', `the column ${key} appears twice`);
    } else {
      index[key as Column] = i;
    }
  });
  for (const required of ['name', 'email'] as const) {
    if (index[required] === undefined) problem(headerLine, 'MISSING_COLUMN', `the header has no ${required} column`);
  }
  if (problems.length > 0) return refused();
  if (body.length === 0) {
    problem(headerLine, 'EMPTY', 'the file has a header but no students');
    return refused();
  }
  if (body.length > options.maxRows) {
    const first = body[options.maxRows]!;
    problem(first.info.lines, 'TOO_MANY_ROWS', `a roster holds at most ${options.maxRows} students; this one has ${body.length}`);
    return refused();
  }

  const rows: RosterRow[] = [];
  const emailLine = new Map<string, number>();
  const numberLine = new Map<string, number>();
  for (const { record, info } of body) {
    const line = info.lines;
    const name = record[index.name!] ?? '';
    const rawEmail = record[index.email!] ?? '';
    const studentNumber = index.student_id === undefined ? '' : (record[index.student_id] ?? '');
    if (!name) problem(line, 'MISSING_NAME', 'the name is empty');
    else if (name.length > PERSON_NAME_MAX) problem(line, 'NAME_TOO_LONG', `the name is longer than ${PERSON_NAME_MAX} characters`);
    if (studentNumber.length > STUDENT_NUMBER_MAX) {
      problem(line, 'STUDENT_ID_TOO_LONG', `the student id is longer than ${STUDENT_NUMBER_MAX} characters`);
    }
    const email = EmailSchema.safeParse(rawEmail);
    if (!email.success) {
      problem(line, 'BAD_EMAIL', `"${rawEmail.slice(0, 80)}" is not an e-mail address`);
      continue;
    }
    const seenAt = emailLine.get(email.data);
    if (seenAt !== undefined) problem(line, 'DUPLICATE_EMAIL', `${email.data} is already on line ${seenAt}`);
    else emailLine.set(email.data, line);
    if (studentNumber) {
      const numberSeenAt = numberLine.get(studentNumber);
      if (numberSeenAt !== undefined) problem(line, 'DUPLICATE_STUDENT_ID', `student id ${studentNumber.slice(0, 64)} is already on line ${numberSeenAt}`);
      else numberLine.set(studentNumber, line);
    }
    rows.push({ line, name, email: email.data, studentNumber: studentNumber || null });
  }
  return problems.length > 0 ? refused() : { ok: true, rows };
}

/** 1-based line of a character offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** csv-parse's messages name its options; say what is wrong in the file instead. */
function csvMessage(error: CsvError): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return 'this row has a different number of fields than the header';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quote inside a field must be doubled ("")';
    default:
      return 'this line is not valid CSV';
  }
}
