import { describe, expect, it } from 'vitest';
import { csvCell, gradebookCsv, toCsv } from './gradebook-csv';

describe('CSV escaping', () => {
  it('neutralizes text that a spreadsheet would run as a formula', () => {
    for (const bad of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '=HYPERLINK("http://x","y")']) expect(csvCell(bad).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("a")')).toBe(`"'=HYPERLINK(""a"")"`);
    expect(csvCell('Ada Lovelace')).toBe('Ada Lovelace');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  });

  it('leaves numbers as numbers, negatives included, and blanks what is missing', () => {
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(7.123456)).toBe('7.123');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('writes UTF-8 with a byte-order mark and CRLF lines', () => {
    const csv = toCsv([['Zoë', 1], ['李', 2]]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toBe('\uFEFFZoë,1\r\n李,2\r\n');
    expect(new TextEncoder().encode(csv).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });

  it('makes one row per student, a column per step and the total', () => {
    const csv = gradebookCsv({
      steps: [
        { stepId: 'a', title: 'Occlusion' },
        { stepId: 'b', title: 'Neurons, to pixels' },
      ],
      rows: [
        { name: '=cmd', email: 'x@example.org', studentNumber: '-42', cells: [{ stepId: 'a', points: 8, submissionId: 's1' }], total: 8 },
      ],
    });
    expect(csv.slice(1).split('\r\n')).toEqual(['name,email,student id,Occlusion,"Neurons, to pixels",total', "'=cmd,x@example.org,'-42,8,,8", '']);
  });
});
