import { describe, expect, it } from 'vitest';
import { parseRoster } from './roster-csv';

const limit = { maxRows: 5000 };

function problemsOf(text: string, options = limit) {
  const parsed = parseRoster(text, options);
  if (parsed.ok) throw new Error('expected the roster to be refused');
  return parsed.problems.map(({ line, code }) => ({ line, code }));
}

describe('roster CSV', () => {
  it('reads UTF-8 with and without a byte-order mark, columns in any order and case, CRLF or LF', () => {
    const text = 'Email,Name,Student ID\r\nada@example.org,Ada Lovelace,S1\r\nJOSE.NUNEZ@Example.org,"José Núñez, Jr.",\r\n';
    for (const input of [text, `\uFEFF${text}`]) {
      expect(parseRoster(input, limit)).toEqual({
        ok: true,
        rows: [
          { line: 2, name: 'Ada Lovelace', email: 'ada@example.org', studentNumber: 'S1' },
          { line: 3, name: 'José Núñez, Jr.', email: 'jose.nunez@example.org', studentNumber: null },
        ],
      });
    }
  });

  it('student_id is optional; blank lines are skipped and do not shift line numbers', () => {
    const parsed = parseRoster('name,email\n\nAda,ada@example.org\n\nBob,bob@example.org\n', limit);
    expect(parsed).toEqual({
      ok: true,
      rows: [
        { line: 3, name: 'Ada', email: 'ada@example.org', studentNumber: null },
        { line: 5, name: 'Bob', email: 'bob@example.org', studentNumber: null },
      ],
    });
  });

  it('refuses a duplicate row, naming both lines', () => {
    const parsed = parseRoster('name,email\nAda,ada@example.org\nBob,bob@example.org\nAda,ADA@example.org\n', limit);
    expect(parsed).toEqual({ ok: false, problems: [{ line: 4, code: 'DUPLICATE_EMAIL', message: 'ada@example.org is already on line 2' }] });
    expect(problemsOf('name,email,student_id\nAda,ada@example.org,7\nBob,bob@example.org,7\n')).toEqual([{ line: 3, code: 'DUPLICATE_STUDENT_ID' }]);
  });

  it('refuses an unknown column, a duplicate column and a missing one on the header line', () => {
    expect(problemsOf('name,email,phone\nAda,ada@example.org,123\n')).toEqual([{ line: 1, code: 'UNKNOWN_COLUMN' }]);
    expect(problemsOf('name,email,Email\nAda,a@example.org,b@example.org\n')).toEqual([{ line: 1, code: 'DUPLICATE_COLUMN' }]);
    expect(problemsOf('name,student_id\nAda,1\n')).toEqual([{ line: 1, code: 'MISSING_COLUMN' }]);
  });

  it('reports every malformed e-mail and empty name with its line', () => {
    const text = 'name,email\nAda,ada@example.org\nBob,bob-at-example.org\n,cy@example.org\nDi,di@\n';
    expect(problemsOf(text)).toEqual([
      { line: 3, code: 'BAD_EMAIL' },
      { line: 4, code: 'MISSING_NAME' },
      { line: 5, code: 'BAD_EMAIL' },
    ]);
  });

  it('refuses text that is not CSV or not UTF-8, and an empty file', () => {
    expect(problemsOf('name,email\nAda,ada@example.org,extra\n')).toEqual([{ line: 2, code: 'BAD_CSV' }]);
    expect(problemsOf('name,email\n"Ada,ada@example.org\n')).toEqual([{ line: 2, code: 'BAD_CSV' }]);
    // What a browser's UTF-8 decoder makes of Latin-1 "é" (0xE9).
    expect(problemsOf('name,email\nAda,ada@example.org\nRen\uFFFD,rene@example.org\n')).toEqual([{ line: 3, code: 'BAD_CSV' }]);
    expect(problemsOf('')).toEqual([{ line: 0, code: 'EMPTY' }]);
    expect(problemsOf('name,email\n')).toEqual([{ line: 1, code: 'EMPTY' }]);
  });

  it('accepts 5 000 rows and refuses one more than the configured limit at the first row past it', () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `Student ${i},s${i}@example.org,${i}`);
    const text = ['name,email,student_id', ...rows(5000)].join('\n');
    const parsed = parseRoster(text, limit);
    expect(parsed.ok && parsed.rows.length).toBe(5000);
    expect(parsed.ok && parsed.rows[4999]).toEqual({ line: 5001, name: 'Student 4999', email: 's4999@example.org', studentNumber: '4999' });
    expect(problemsOf(['name,email,student_id', ...rows(5001)].join('\n'))).toEqual([{ line: 5002, code: 'TOO_MANY_ROWS' }]);
    expect(problemsOf(['name,email,student_id', ...rows(11)].join('\n'), { maxRows: 10 })).toEqual([{ line: 12, code: 'TOO_MANY_ROWS' }]);
  });

  it('caps the problems it lists', () => {
    const text = ['name,email', ...Array.from({ length: 500 }, (_, i) => `S${i},bad${i}`)].join('\n');
    expect(problemsOf(text)).toHaveLength(100);
  });
});
