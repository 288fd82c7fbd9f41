'use client';

/**
 * The class views of the gradient-ascent lab, for the instructor's panel and (larger) for the projector: the
 * class × λ grid of a sweep and the gallery per class.
 */
import { useId, type ReactNode } from 'react';
import { ascentSweepGrid, galleryByClass, latestPerStudent } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { storedImageUrl } from '../kit/images';
import { formatNumber, formatScore, formatShort, type AscentEntry } from './ascent-logic';

export type Entry = AscentEntry<Submission>;

/** The class × λ grid: per cell the best image (highest class score) and how many images landed there. */
export function LambdaGrid({ entries, classes, lambdas, name, large = false }: {
  entries: readonly Entry[];
  classes: readonly number[];
  lambdas: readonly number[];
  name: (classIndex: number) => string;
  large?: boolean;
}) {
  // Each student once: their latest image (every submission stays stored).
  const grid = ascentSweepGrid(latestPerStudent(entries, (e) => e.submission), classes, lambdas);
  const cellSize = 'aspect-square w-full';
  return (
    <div data-testid="lambda-grid" data-filled={grid.filled} className="space-y-2">
      <div className="overflow-x-auto">
        {/* Fixed layout: the λ columns share the width equally, so the grid fits the panel instead of scrolling; on the
            projector its width is capped so all rows fit the screen's height. */}
        <table className={`w-full table-fixed border-separate ${large ? 'border-spacing-2 text-2xl' : 'border-spacing-1 text-sm'}`} style={large ? { maxWidth: `calc(13rem + ${lambdas.length} * 64vh / ${Math.max(classes.length, 1)})` } : { minWidth: `${6 + lambdas.length * 3.5}rem` }}>
          <colgroup>
            <col style={{ width: large ? '13rem' : '6.5rem' }} />
            {lambdas.map((_, i) => (
              <col key={i} />
            ))}
          </colgroup>
          <caption className="sr-only">Best image per class and λ ({grid.filled} of {classes.length * lambdas.length} cells filled)</caption>
          <thead>
            <tr>
              <th scope="col" className={`text-left font-semibold text-slate-700 ${large ? 'pr-3' : 'pr-2'}`}>
                class \ λ
              </th>
              {lambdas.map((l, i) => (
                <th key={i} scope="col" className={`text-center font-semibold tabular-nums text-slate-900 ${large ? 'text-xl' : 'text-xs'}`} title={`λ = ${formatNumber(l)}`}>
                  <span aria-hidden="true">{formatShort(l)}</span>
                  <span className="sr-only">λ {formatNumber(l)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.cells.map((row, r) => (
              <tr key={classes[r]}>
                <th scope="row" className={`text-left leading-tight font-semibold text-slate-900 ${large ? 'pr-3' : 'pr-2'}`}>
                  {name(classes[r]!)}
                </th>
                {row.map((cell, c) => (
                  <td key={c} className="p-0 align-top">
                    {cell.best ? (
                      <div className={`relative ${cellSize} overflow-hidden rounded-lg border border-slate-300`} data-testid="lambda-cell" data-count={cell.items.length}>
                        <img
                          src={cell.best.submission.resultImageHash ? storedImageUrl(cell.best.submission.resultImageHash) : ''}
                          alt={`${name(classes[r]!)}, λ ${formatNumber(lambdas[c]!)}: best score ${formatScore(cell.best.result.score)} of ${cell.items.length}`}
                          className="h-full w-full object-cover"
                        />
                        <span className={`absolute right-1 bottom-1 rounded bg-black/75 px-1.5 font-semibold text-white tabular-nums ${large ? 'text-lg' : 'text-xs'}`} aria-hidden="true">
                          {cell.items.length > 1 ? `×${cell.items.length}` : formatScore(cell.best.result.score)}
                        </span>
                      </div>
                    ) : (
                      <div className={`flex ${cellSize} items-center justify-center rounded-lg border-2 border-dashed border-slate-300 bg-slate-50 text-slate-400`}>
                        <span aria-hidden="true">—</span>
                        <span className="sr-only">
                          {name(classes[r]!)}, λ {formatNumber(lambdas[c]!)}: no image yet
                        </span>
                      </div>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={large ? 'text-xl text-slate-800' : 'text-sm text-slate-600'}>
        {grid.filled} of {classes.length * lambdas.length} cells filled
        {grid.offGrid.length ? ` · ${grid.offGrid.length} image${grid.offGrid.length === 1 ? '' : 's'} with another λ or class (in the gallery)` : ''}
      </p>
    </div>
  );
}

/** Every image grouped by class (the step's classes first, in order), a heading per class. */
export function ClassGallery({ entries, classes, name, renderItem, large = false, empty }: {
  entries: readonly Entry[];
  classes: readonly number[];
  name: (classIndex: number) => string;
  renderItem: (entry: Entry) => ReactNode;
  large?: boolean;
  empty: ReactNode;
}) {
  const groups = galleryByClass(latestPerStudent(entries, (e) => e.submission), classes);
  const idBase = useId();
  return (
    <div data-testid="ascent-gallery" className={large ? 'grid grid-cols-[repeat(auto-fill,minmax(26rem,1fr))] gap-x-10 gap-y-8' : 'space-y-5'}>
      {groups.length === 0 ? <div className="col-span-full">{empty}</div> : null}
      {groups.map((g) => (
        <section key={g.classIndex} aria-labelledby={`${idBase}-${g.classIndex}`} data-testid="ascent-gallery-class">
          <h3 id={`${idBase}-${g.classIndex}`} className={large ? 'mb-3 text-4xl font-bold text-slate-950' : 'mb-2 text-base font-semibold text-slate-900'}>
            {name(g.classIndex)} <span className={`font-normal text-slate-500 ${large ? 'text-2xl' : 'text-sm'}`}>({g.items.length})</span>
          </h3>
          <ul className={`grid gap-3 ${large ? 'grid-cols-[repeat(auto-fill,minmax(12rem,1fr))]' : 'grid-cols-[repeat(auto-fill,minmax(11rem,1fr))]'}`}>
            {g.items.map((e) => (
              <li key={e.submission.id}>{renderItem(e)}</li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
