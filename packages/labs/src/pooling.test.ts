import { featureMap } from '@convlab/vis';
import { describe, expect, it } from 'vitest';
import { checkPoolQuiz, describeQuiz, quizOutcome, poolMap, poolQuiz, shiftByOneDemo, shiftMap, stackedReceptiveField } from './pooling.lab';

const map = (rows: number[][]) => featureMap(rows.length, rows[0]!.length, 1, rows.flat());
const values = (m: { data: Float32Array }) => Array.from(m.data);

describe('pooling lab: the drawbacks, against hand-computed grids', () => {
  it('shift by one: a thin line makes max pooling jump from one output cell to the next', () => {
    // A vertical line in column 1 of a 4×4 map; 2×2 max pooling, stride 2: by hand [[9, 0], [9, 0]].
    const line = map([[0, 9, 0, 0], [0, 9, 0, 0], [0, 9, 0, 0], [0, 9, 0, 0]]);
    const demo = shiftByOneDemo(line, 'max', 2, 2);
    expect(values(demo.before)).toEqual([9, 0, 9, 0]);
    // Moved one pixel right (column 2): by hand [[0, 9], [0, 9]] — every output changed by the full 9.
    expect(values(demo.after)).toEqual([0, 9, 0, 9]);
    expect(demo.changedCells).toBe(4);
    expect(demo.change).toBe(36);
  });

  it('average pooling blurs a fine checkerboard into a flat grey, before and after the shift', () => {
    const checker = map([[9, 0, 9, 0], [0, 9, 0, 9], [9, 0, 9, 0], [0, 9, 0, 9]]);
    const avg = shiftByOneDemo(checker, 'avg', 2, 2);
    // By hand: each 2×2 window holds two 9s → 4.5; shifted, the left column is 0 and the pattern flips → [[2.25, 4.5], …].
    expect(values(avg.before)).toEqual([4.5, 4.5, 4.5, 4.5]);
    expect(values(avg.after)).toEqual([2.25, 4.5, 2.25, 4.5]);
    // Max pooling sees 9 everywhere: the checkerboard and a flat 9 pool alike.
    expect(values(poolMap(checker, { kind: 'max', size: 2, stride: 2 }))).toEqual([9, 9, 9, 9]);
  });

  it('shifts with zeros coming in from the border', () => {
    expect(values(shiftMap(map([[1, 2, 3]]), 1))).toEqual([0, 1, 2]);
  });

  it('grows the receptive field with stacked windows and strides', () => {
    expect(stackedReceptiveField(2, 2, 1)).toBe(2);
    expect(stackedReceptiveField(2, 2, 2)).toBe(4);
    expect(stackedReceptiveField(3, 2, 2)).toBe(7);
    expect(stackedReceptiveField(3, 1, 3)).toBe(7);
  });
});

describe('pooling lab: the quiz', () => {
  it('checks a hand-computed max and average', () => {
    const quiz = { grid: [[1, 3, 0, 2], [4, 2, 5, 1], [0, 0, 7, 7], [1, 6, 7, 8]], op: 'max' as const, size: 2, stride: 2, outY: 1, outX: 0 };
    expect(checkPoolQuiz(quiz, 6)).toBe(true);
    expect(checkPoolQuiz(quiz, 7)).toBe(false);
    expect(checkPoolQuiz({ ...quiz, op: 'avg' }, 1.75)).toBe(true);
    expect(checkPoolQuiz({ ...quiz, op: 'avg', outX: 1 }, 7.25)).toBe(true);
    expect(checkPoolQuiz({ ...quiz, op: 'avg' }, Number.NaN)).toBe(false);
    expect(describeQuiz(quiz)).toBe('max pooling 2×2, stride 2: the output at row 2, column 1');
  });

  it('gives each seed its own 4×4 grid of digits, the same every time', () => {
    const a = poolQuiz('s1/p1', 'avg');
    expect(poolQuiz('s1/p1', 'avg')).toEqual(a);
    expect(a.grid.flat().every((v) => Number.isInteger(v) && v >= 0 && v <= 9)).toBe(true);
    expect(a.grid).toHaveLength(4);
    expect(poolQuiz('s1/p2', 'avg').grid).not.toEqual(a.grid);
  });

  it('grades from the server’s stored verdict', () => {
    expect(quizOutcome({ answer: 4, correct: true, question: 'q' })).toEqual({ fraction: 1, detail: 'q: right', measured: { answer: 4 } });
    expect(quizOutcome({ answer: 4, correct: false }).fraction).toBe(0);
    expect(quizOutcome({ answer: 4 }).fraction).toBe(0);
  });
});
