import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureMap } from './common';
import { pool, poolBreakdown, poolingDrawbackExamples } from './pool-explainer';
import { createRng, uniformArray } from './rng';
import { expectNoLeak, useCpuBackend } from './test-backend';

beforeAll(useCpuBackend);

describe('pooling explainer', () => {
  const h = 8, w = 7, c = 2;
  const data = uniformArray(createRng(3), h * w * c, -2, 2);
  for (const kind of ['max', 'avg'] as const) {
    for (const [size, stride] of [[2, 2], [3, 2], [3, 1], [2, 3]]) {
      it(`${kind} pool ${size}/${stride} matches a hand loop and its breakdowns`, () => {
        const oh = Math.floor((h - size) / stride) + 1, ow = Math.floor((w - size) / stride) + 1;
        const t = tf.tensor3d(data, [h, w, c]);
        const y = pool(t, { kind, size, stride });
        expect(y.shape).toEqual([oh, ow, c]);
        const got = y.dataSync();
        const map = featureMap(h, w, c, data);
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
          let ref = kind === 'max' ? -Infinity : 0;
          for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) {
            const v = data[((oy * stride + dy) * w + ox * stride + dx) * c + ch];
            ref = kind === 'max' ? Math.max(ref, v) : ref + v / (size * size);
          }
          expect(got[(oy * ow + ox) * c + ch]).toBeCloseTo(ref, 5);
          const b = poolBreakdown(map, { kind, size, stride }, oy, ox, ch);
          expect(b.output).toBeCloseTo(ref, 5);
          if (kind === 'max') expect(b.window[b.argmax!.dy][b.argmax!.dx]).toBe(b.output);
        }
        tf.dispose([t, y]);
      });
    }
  }

  it('shows the drawbacks with computed numbers', () => {
    const [maxEx, avgEx] = poolingDrawbackExamples();
    expect(maxEx.outputs).toEqual([9, 9]);
    expect(maxEx.inputs[0].data).not.toEqual(maxEx.inputs[1].data);
    expect(avgEx.outputs[0]).toBeCloseTo(9 / 16, 6);
    expect(avgEx.outputs[0]).toBeLessThan(avgEx.outputs[1]);
    // The strong response is far larger than the diffuse one before pooling.
    expect(Math.max(...avgEx.inputs[0].data)).toBeGreaterThan(10 * Math.max(...avgEx.inputs[1].data));
  });

  it('validates input and leaks nothing', async () => {
    const t = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => pool(t, { kind: 'max', size: 4 })).toThrow(/smaller/);
    expect(() => pool(t, { kind: 'median' as 'max', size: 2 })).toThrow(/max or avg/);
    await expectNoLeak(() => pool(t, { kind: 'avg', size: 2, stride: 1 }).dispose());
    t.dispose();
  });
});
