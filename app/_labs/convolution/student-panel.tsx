'use client';

/**
 * The convolution lab for a student: edit a 3×3 or 5×5 kernel (numbers or presets), the stride and the padding, and
 * see the output of the photo (grey, or each RGB channel) or of the small grid live, with the output size worked out.
 * Click an output pixel: the kernel is drawn centred on its input pixel and the weighted sum written out term by term.
 * In a challenge step the server's target is shown and Submit asks the server whether the kernel makes it.
 */
import { useMemo } from 'react';
import { gridText } from '../../_lib/number-grid';
import { useDraftState } from '../kit/use-draft-state';
import {
  CONV_PRESET_NAMES,
  CONV_PRESETS,
  ConvolutionParamsSchema,
  ConvolutionResultSchema,
  convolutionInput,
  convolutionOutput,
  convPresetKernel,
  describeIssue,
  explainOutputSize,
  resizeKernel,
  roundKernel,
  weightedSum,
  type ConvPreset,
  type ConvolutionParams,
} from '@convlab/labs';
import type { FeatureMap } from '@convlab/vis';
import { channelOf, fromWire, MapCanvas, NumberTable, showNumber, useLabTask } from '../kit/number-map';
import { useLabSubmit, useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { ConvolutionCards } from './cards';

const CHANNEL_NAMES = ['red', 'green', 'blue'];

export function ConvolutionStudent({ lab }: LabPanelProps) {
  const step = lab.params as ConvolutionParams;
  const { task, error: taskError } = useLabTask(lab);
  const { submissions, upsert } = useSubmissions(lab);
  const can = (control: string) => lab.controls.includes(control) && lab.blocked === null;
  // The kernel as typed: strings, so "-" or "0." can be typed on the way to a number.
  // A draft keeps the kernel as typed and the settings (an assignment restores them exactly).
  const [cells, setCells] = useDraftState<string[][]>(lab, 'kernel', () => step.kernel.map((row) => row.map(String)));
  const [stride, setStride] = useDraftState(lab, 'stride', step.stride);
  const [padding, setPadding] = useDraftState(lab, 'padding', step.padding);
  const [source, setSource] = useDraftState(lab, 'source', step.source);
  const [color, setColor] = useDraftState(lab, 'color', step.color);
  const [picked, setPicked] = useDraftState<{ y: number; x: number; channel: number }>(lab, 'picked', { y: 0, x: 0, channel: 0 });

  const kernel = cells.map((row) => row.map((c) => (c.trim() === '' ? Number.NaN : Number(c))));
  const changes = { kernel, stride, padding, source, color };
  const parsed = ConvolutionParamsSchema.safeParse({ ...lab.params, ...changes });
  const problem = parsed.success ? null : describeIssue(parsed.error);
  const params = parsed.success ? parsed.data : null;
  const photo = useMemo(() => (task?.kind === 'convolution' && task.photo ? fromWire(task.photo) : null), [task]);
  const target = useMemo(() => (task?.kind === 'convolution' && task.target ? fromWire(task.target) : null), [task]);

  // Small maps (at most 96×96, 5×5 kernels): computed on every edit, live.
  const input = params && (params.source === 'grid' || photo) ? convolutionInput(params, photo) : null;
  const view = params && input ? { input, output: convolutionOutput(input, params) } : null;

  const size = cells.length;
  const pick = view ? { ...picked, y: Math.min(picked.y, view.output.height - 1), x: Math.min(picked.x, view.output.width - 1), channel: Math.min(picked.channel, view.input.channels - 1) } : picked;
  const sum = view && params ? weightedSum(view.input, params, pick.y, pick.x, pick.channel) : null;
  const box = sum ? { y: sum.centerY - (size - 1) / 2, x: sum.centerX - (size - 1) / 2, height: size, width: size, color: '#f59e0b' } : null;

  const setPreset = (name: ConvPreset) => setCells(gridText(roundKernel(convPresetKernel(name, size as 3 | 5))));
  const resize = (k: 3 | 5) => k !== size && setCells(gridText(resizeKernel(kernel, k)));
  const edit = (y: number, x: number, value: string) => setCells((c) => c.map((row, i) => (i === y ? row.map((v, j) => (j === x ? value : v)) : row)));

  const { submit, busy: submitting, error: submitError, last: checked } = useLabSubmit(lab, upsert);
  const check = checked ? ConvolutionResultSchema.safeParse(checked.result).data?.challenge : undefined;

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,22rem)_minmax(0,1fr)]">
      <section className="card space-y-4 p-4" aria-label="Kernel">
        <div className="flex items-center justify-between">
          <h2 className="text-lg font-bold text-slate-900">Kernel</h2>
          <div className="flex gap-1" role="group" aria-label="Kernel size">
            {([3, 5] as const).map((k) => (
              <button key={k} type="button" className="btn btn-secondary px-2 py-1 text-sm" aria-pressed={size === k} disabled={!can('kernel')} onClick={() => resize(k)}>
                {k}×{k}
              </button>
            ))}
          </div>
        </div>
        <div className="grid gap-1" style={{ gridTemplateColumns: `repeat(${size}, minmax(0, 1fr))` }} data-testid="kernel-editor">
          {cells.map((row, y) =>
            row.map((value, x) => (
              <input
                key={`${y}-${x}`}
                className={`field-input mt-0 px-1 text-center font-mono ${Number.isFinite(kernel[y]![x]) ? '' : 'border-red-500 bg-red-50'}`}
                aria-label={`kernel row ${y + 1}, column ${x + 1}`}
                inputMode="decimal"
                value={value}
                disabled={!can('kernel')}
                onChange={(e) => edit(y, x, e.target.value)}
              />
            )),
          )}
        </div>
        <div className="flex flex-wrap gap-1" role="group" aria-label="Presets">
          {CONV_PRESETS.map((name) => (
            <button key={name} type="button" className="btn btn-secondary px-2 py-1 text-sm" disabled={!can('kernel')} onClick={() => setPreset(name)}>
              {CONV_PRESET_NAMES[name]}
            </button>
          ))}
        </div>
        <div className="grid grid-cols-2 gap-3">
          <label className="text-sm text-slate-700">
            Stride S
            <select className="field-input" value={stride} disabled={!can('stride')} onChange={(e) => setStride(Number(e.target.value))}>
              {[1, 2, 3, 4].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="text-sm text-slate-700">
            Padding P
            <select className="field-input" value={padding} disabled={!can('padding')} onChange={(e) => setPadding(Number(e.target.value))}>
              {[0, 1, 2, 3].map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          </label>
          <label className="text-sm text-slate-700">
            Input
            <select className="field-input" value={source} disabled={!can('source')} onChange={(e) => setSource(e.target.value as typeof source)}>
              <option value="photo">Photo</option>
              <option value="grid">Grid of numbers</option>
            </select>
          </label>
          <label className="text-sm text-slate-700">
            Colour
            <select className="field-input" value={color} disabled={!can('color') || source === 'grid'} onChange={(e) => setColor(e.target.value as typeof color)}>
              <option value="gray">Grey</option>
              <option value="rgb">Each RGB channel</option>
            </select>
          </label>
        </div>
        {problem ? (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" data-testid="kernel-problem">
            {problem}
          </p>
        ) : view ? (
          <p className="rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="output-size">
            Output size: height {explainOutputSize(view.input.height, size, padding, stride)}, width {explainOutputSize(view.input.width, size, padding, stride)}
          </p>
        ) : null}
        <div className="space-y-2 border-t border-slate-100 pt-3">
          <button type="button" className="btn btn-primary w-full" disabled={!params || submitting || lab.blocked !== null} onClick={() => void submit({ ...lab.step.params, ...changes }, {})}>
            {submitting ? 'The server is checking…' : target ? 'Check with the server' : 'Submit my kernel'}
          </button>
          {lab.blocked ? <p className="text-sm text-slate-600">{lab.blocked.message}</p> : null}
          {submitError ? (
            <p role="alert" className="text-sm text-red-700">
              {submitError}
            </p>
          ) : null}
          {check ? (
            <p role="status" data-testid="challenge-check" className={`rounded-lg px-3 py-2 text-sm font-semibold ${check.passed ? 'bg-emerald-50 text-emerald-800' : 'bg-amber-50 text-amber-900'}`}>
              {check.message}
            </p>
          ) : checked ? (
            <p role="status" className="text-sm text-emerald-800">
              Submitted: your instructor sees the output the server computed from your kernel.
            </p>
          ) : null}
        </div>
      </section>

      <section className="space-y-4" aria-label="Output">
        {taskError ? (
          <p role="alert" className="text-sm text-red-700">
            The photo could not be loaded: {taskError}
          </p>
        ) : null}
        {!view ? (
          <p className="text-slate-600">{problem ? 'Fix the kernel to see the output.' : 'Loading the photo…'}</p>
        ) : (
          <>
            <Maps input={view.input} output={view.output} grid={source === 'grid'} pick={pick} box={box} onPick={(y, x, channel) => setPicked({ y, x, channel })} />
            {sum ? (
              <div className="card space-y-2 p-4" data-testid="weighted-sum">
                <h3 className="font-semibold text-slate-900">
                  Output pixel (row {pick.y + 1}, column {pick.x + 1}{view.input.channels === 3 ? `, ${CHANNEL_NAMES[pick.channel]}` : ''}): the kernel centred on input pixel (row {sum.centerY + 1}, column {sum.centerX + 1})
                </h3>
                <table className="border-collapse font-mono text-sm" aria-label="Input value · weight under the kernel">
                  <tbody>
                    {Array.from({ length: size }, (_, y) => (
                      <tr key={y}>
                        {sum.terms.slice(y * size, (y + 1) * size).map((t) => (
                          <td key={t.column} className={`border border-slate-200 px-2 py-1 text-center ${t.padding ? 'bg-slate-100 text-slate-400' : ''}`}>
                            {showNumber(t.input)}·{showNumber(t.weight)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="break-words font-mono text-sm text-slate-800">{sum.text}</p>
                <p className="text-xs text-slate-500">Grey cells are padding (zeros). Click any output pixel to see its sum.</p>
              </div>
            ) : null}
          </>
        )}
        {target ? (
          <div className="card space-y-2 p-4" data-testid="challenge-target">
            <h3 className="font-semibold text-slate-900">Make this output</h3>
            <p className="text-sm text-slate-600">
              A kernel the server keeps secret made this from the grey {step.source === 'grid' ? 'grid' : 'photo'} (stride {step.stride}, padding {step.padding}). Find a kernel whose output is
              within 1 % of the target’s range everywhere, then check it with the server.
            </p>
            <MapCanvas map={target} label="The target output" className="max-w-xs" />
          </div>
        ) : null}
        {submissions.length ? <ConvolutionCards lab={lab} submissions={submissions} viewer="student" /> : null}
      </section>
    </div>
  );
}

/** The input and output side by side (one output per channel for RGB), a click on an output picks a pixel. */
function Maps({ input, output, grid, pick, box, onPick }: {
  input: FeatureMap;
  output: FeatureMap;
  grid: boolean;
  pick: { y: number; x: number; channel: number };
  box: { y: number; x: number; height: number; width: number; color: string } | null;
  onPick: (y: number, x: number, channel: number) => void;
}) {
  if (grid) {
    const inBox = (y: number, x: number) => (box && y >= box.y && y < box.y + box.height && x >= box.x && x < box.x + box.width ? 'bg-amber-100' : null);
    return (
      <div className="flex flex-wrap items-start gap-6">
        <figure className="space-y-1">
          <figcaption className="text-sm font-semibold text-slate-700">Input ({input.height}×{input.width})</figcaption>
          <NumberTable map={input} label="Input grid" highlight={inBox} testId="conv-input-grid" />
        </figure>
        <figure className="space-y-1">
          <figcaption className="text-sm font-semibold text-slate-700">Output ({output.height}×{output.width}) — click a value</figcaption>
          <NumberTable
            map={output}
            label="Output grid"
            testId="conv-output-grid"
            highlight={(y, x) => (y === pick.y && x === pick.x ? 'bg-amber-300 font-bold' : null)}
            onPick={(y, x) => onPick(y, x, 0)}
          />
        </figure>
      </div>
    );
  }
  const channels = Array.from({ length: input.channels }, (_, c) => c);
  const boxes = box ? [box] : [];
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <figure className="space-y-1">
        <figcaption className="text-sm font-semibold text-slate-700">Input ({input.height}×{input.width})</figcaption>
        <MapCanvas map={input} lo={0} hi={255} label="Input photo" boxes={boxes} testId="conv-input" />
      </figure>
      {channels.map((c) => (
        <figure key={c} className="space-y-1">
          <figcaption className="text-sm font-semibold text-slate-700">
            Output{input.channels === 3 ? `, ${CHANNEL_NAMES[c]}` : ''} ({output.height}×{output.width}) — click a pixel
          </figcaption>
          <MapCanvas
            map={channelOf(output, c)}
            label={`Output${input.channels === 3 ? ` ${CHANNEL_NAMES[c]}` : ''}: click a pixel for its weighted sum`}
            onPick={(y, x) => onPick(y, x, c)}
            boxes={pick.channel === c ? [{ y: pick.y, x: pick.x, height: 1, width: 1, color: '#f59e0b' }] : []}
            testId={`conv-output-${c}`}
          />
        </figure>
      ))}
    </div>
  );
}
