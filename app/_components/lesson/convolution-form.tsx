'use client';

import {
  CONV_PRESET_NAMES,
  CONV_PRESETS,
  CONV_PRESETS_5X5,
  CONV_VALUE_LIMIT,
  KERNEL_SIZES,
  NUMBER_GRID_MAX,
  convOutputSize,
  convPresetKernel,
  explainOutputSize,
  paramLabel,
  paramWords,
  resizeKernel,
  roundKernel,
  type KernelSize,
} from '@convlab/labs';
import type { ImageRef } from '@convlab/protocol';
import { useId } from 'react';
import { enumValues, paramDefault } from '../../_lib/lab-params';
import { asGrid, resizeGrid } from '../../_lib/number-grid';
import { NumberField } from './field';
import { ImagePicker } from './image-picker';
import { NumberGridEditor } from './number-grid-editor';
import { EnumParam, NumberParam, ParamGroup, type ParamFormProps } from './param-form';

const SOURCES: Record<string, string> = { photo: 'A photo', grid: 'A small grid of numbers' };
const COLOURS: Record<string, string> = { gray: 'Grey (one channel)', rgb: 'Each RGB channel on its own' };
const GRID_SIDE = { min: 1, max: NUMBER_GRID_MAX, minExclusive: false, maxExclusive: false, int: true };

/**
 * Convolution: what is convolved (a photo, its size and colour, or a grid of numbers typed in), the kernel (a preset
 * or numbers, 3×3 or 5×5), stride and padding with the output size worked out, and the "make this output" challenge.
 */
export function ConvolutionForm(form: ParamFormProps) {
  const id = useId();
  const { lab, params, set, errors, catalog } = form;
  // A parameter the step leaves out runs with the lab's default: the form shows that value.
  const value = <T,>(name: string, ok: (v: unknown) => boolean): T => (ok(params[name]) ? params[name] : paramDefault(lab, name)) as T;
  const isInt = (v: unknown) => Number.isInteger(v);
  const source = value<string>('source', (v) => typeof v === 'string');
  const kernel = asGrid(params.kernel) ?? (paramDefault(lab, 'kernel') as number[][]);
  const grid = asGrid(params.grid) ?? (paramDefault(lab, 'grid') as number[][]);
  const size = kernel.length as KernelSize;
  const stride = value<number>('stride', isInt);
  const padding = value<number>('padding', isInt);
  const photoSide = value<number>('size', isInt);
  const [rows, columns] = source === 'grid' ? [grid.length, grid[0]?.length ?? 0] : [photoSide, photoSide];

  const setPreset = (name: (typeof CONV_PRESETS)[number], k: KernelSize) => set('kernel', roundKernel(convPresetKernel(name, k)));
  const photo = (
    <div className="space-y-4">
      <ImagePicker value={params.image} onChange={(v: ImageRef) => set('image', v)} samples={catalog.samples} error={errors.image} />
      <ParamGroup title="How the photo is convolved">
        <NumberParam form={form} name="size" label={`${paramLabel(lab, 'size')} (px a side)`} hint="the server scales the photo to this square" />
        <EnumParam form={form} name="color" describe={(v) => COLOURS[v] ?? v} />
      </ParamGroup>
    </div>
  );
  const numbers = (
    <NumberGridEditor
      legend={paramLabel(lab, 'grid')}
      value={grid}
      onChange={(next) => set('grid', next)}
      cellLabel={(r, c) => `Grid row ${r}, column ${c}`}
      error={errors.grid}
      hint={`Numbers from −${CONV_VALUE_LIMIT} to ${CONV_VALUE_LIMIT}; up to ${NUMBER_GRID_MAX}×${NUMBER_GRID_MAX}.`}
    >
      <div className="mb-3 grid max-w-sm grid-cols-2 gap-3">
        <NumberField label="Rows" value={grid.length} spec={GRID_SIDE} onChange={(r) => r && r >= 1 && r <= NUMBER_GRID_MAX && set('grid', resizeGrid(grid, r, grid[0]?.length ?? 1))} />
        <NumberField label="Columns" value={grid[0]?.length} spec={GRID_SIDE} onChange={(c) => c && c >= 1 && c <= NUMBER_GRID_MAX && set('grid', resizeGrid(grid, grid.length, c))} />
      </div>
    </NumberGridEditor>
  );
  const other = source === 'grid' ? { title: 'The photo, for students who switch to it', body: photo } : { title: 'The number grid, for students who switch to it', body: numbers };

  return (
    <div className="space-y-4">
      <fieldset className="rounded-xl border border-slate-200 p-4">
        <legend className="px-1 text-sm font-semibold text-slate-800">{paramLabel(lab, 'source')}</legend>
        <div className="flex flex-wrap gap-4 text-sm" role="radiogroup" aria-label="What is convolved">
          {enumValues(lab, 'source').map((s) => (
            <label key={s} className="inline-flex items-center gap-2">
              <input type="radio" name={`${id}-source`} checked={source === s} onChange={() => set('source', s)} />
              {SOURCES[s] ?? s}
            </label>
          ))}
        </div>
        {errors.source ? <p className="mt-2 text-sm font-medium text-red-700">{errors.source}</p> : null}
      </fieldset>
      {source === 'grid' ? numbers : photo}
      <details className="rounded-xl border border-slate-200 px-4 py-2">
        <summary className="cursor-pointer text-sm font-semibold text-slate-800">{other.title}</summary>
        <div className="mt-3">{other.body}</div>
      </details>
      <NumberGridEditor
        legend={paramLabel(lab, 'kernel')}
        value={kernel}
        onChange={(next) => set('kernel', next)}
        cellLabel={(r, c) => `Kernel row ${r}, column ${c}`}
        error={errors.kernel}
        hint={`Weights from −${CONV_VALUE_LIMIT} to ${CONV_VALUE_LIMIT}, row by row: each output is the sum of these weights times the pixels under them.`}
      >
        <div className="mb-3 flex flex-wrap items-center gap-2">
          <div className="flex gap-1" role="group" aria-label="Kernel size">
            {KERNEL_SIZES.map((k) => (
              <button
                key={k}
                type="button"
                className={`btn btn-secondary px-2 py-1 text-sm ${size === k ? 'border-brand-500 bg-brand-50 text-brand-900' : ''}`}
                aria-pressed={size === k} onClick={() => size !== k && set('kernel', resizeKernel(kernel, k))}>
                {k}×{k}
              </button>
            ))}
          </div>
          <div className="flex flex-wrap gap-1" role="group" aria-label="Kernel presets">
            {CONV_PRESETS.map((name) => {
              const fits = size === 3 || CONV_PRESETS_5X5.includes(name);
              return (
                <button
                  key={name}
                  type="button"
                  className="btn btn-secondary px-2 py-1 text-sm"
                  disabled={!fits}
                  title={fits ? undefined : `${CONV_PRESET_NAMES[name]} is 3×3 only`}
                  onClick={() => setPreset(name, size)}
                >
                  {CONV_PRESET_NAMES[name]}
                </button>
              );
            })}
          </div>
        </div>
      </NumberGridEditor>
      <ParamGroup title="Sliding the kernel">
        <NumberParam form={form} name="stride" label={`${paramLabel(lab, 'stride')} S (px)`} />
        <NumberParam form={form} name="padding" label={`${paramLabel(lab, 'padding')} P (px of zeros on each side)`} />
        <OutputSize rows={rows} columns={columns} kernel={size} stride={stride} padding={padding} />
      </ParamGroup>
      <fieldset className="rounded-xl border border-slate-200 p-4">
        <legend className="px-1 text-sm font-semibold text-slate-800">Challenge</legend>
        <label className="inline-flex items-center gap-2 text-sm">
          <input type="checkbox" checked={params.challenge === true} onChange={(e) => set('challenge', e.target.checked)} />
          Offer the {paramWords(lab, 'challenge').name}: students match a target made by a kernel the server hides, and the server checks it
        </label>
        {params.challenge === true && value<string>('color', (v) => typeof v === 'string') === 'rgb' ? (
          <p className="mt-2 text-sm text-amber-800">The target is made on the grey input: students must switch to grey to match it.</p>
        ) : null}
        {errors.challenge ? <p className="mt-2 text-sm font-medium text-red-700">{errors.challenge}</p> : null}
      </fieldset>
    </div>
  );
}

/** The output size the step gives, worked out as the lecture writes it. */
function OutputSize({ rows, columns, kernel, stride, padding }: { rows: number; columns: number; kernel: number; stride: number; padding: number }) {
  const numbers = [rows, columns, kernel, stride, padding];
  if (!numbers.every(Number.isInteger) || stride < 1 || padding < 0) return null;
  const fits = convOutputSize(rows, kernel, padding, stride) > 0 && convOutputSize(columns, kernel, padding, stride) > 0;
  return (
    <p className="text-sm text-slate-700 sm:col-span-2" data-testid="conv-output-size">
      Output size (W − K + 2P) / S + 1:{' '}
      {rows === columns ? (
        <span className="whitespace-nowrap font-mono">{explainOutputSize(rows, kernel, padding, stride)}</span>
      ) : (
        <>
          rows <span className="whitespace-nowrap font-mono">{explainOutputSize(rows, kernel, padding, stride)}</span>, columns{' '}
          <span className="whitespace-nowrap font-mono">{explainOutputSize(columns, kernel, padding, stride)}</span>
        </>
      )}
      {fits ? null : ' — nothing left: add padding or use a smaller kernel.'}
    </p>
  );
}
