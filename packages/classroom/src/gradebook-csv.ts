/**
 * CSV as spreadsheets read it: UTF-8 with a byte-order mark, CRLF line ends, numbers written as numbers, and text
 * that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) neutralized with a
 * leading apostrophe (OWASP's advice), so a student named "=HYPERLINK(…)" stays text.
 */
export type CsvCell = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: a finite number as it is; text neutralized against formula injection and quoted when it must be. */
export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    // Rounded to what a grade needs, without a trailing ".000".
    return String(Math.round(value * 1000) / 1000);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document (header first), starting with the UTF-8 byte-order mark. */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return '\uFEFF' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The gradebook as CSV: one row per student, a column per step and the total. */
export function gradebookCsv(book: {
  steps: readonly { stepId: string; title: string }[];
  rows: readonly { name: string; email: string; studentNumber: string | null; cells: readonly { stepId: string; points: number; submissionId: string | null }[]; total: number }[];
}): string {
  const header: CsvCell[] = ['name', 'email', 'student id', ...book.steps.map((s) => s.title), 'total'];
  const rows = book.rows.map((r) => [
    r.name,
    r.email,
    r.studentNumber,
    ...book.steps.map((s) => {
      const cell = r.cells.find((c) => c.stepId === s.stepId);
      return cell?.submissionId ? cell.points : null;
    }),
    r.total,
  ]);
  return toCsv([header, ...rows]);
}
