'use client';
/**
 * What the lesson editor offers: the server's installed models, its sample images and the ImageNet class names.
 * Loaded once per page (module-level promises), so every step's controls share one request each.
 */
import { parseImageNetTsv, type ImageNetClass } from '@convlab/nets';
import type { InstalledModel } from '@convlab/protocol';
import { useEffect, useState } from 'react';
import { api } from './api-client';

export interface LessonCatalog {
  models: InstalledModel[] | null;
  samples: string[] | null;
  classes: ImageNetClass[] | null;
  /** The first load that failed, in words. */
  error: string | null;
}

let modelsOnce: Promise<InstalledModel[]> | null = null;
let samplesOnce: Promise<string[]> | null = null;
let classesOnce: Promise<ImageNetClass[]> | null = null;

async function fetchClasses(): Promise<ImageNetClass[]> {
  const res = await fetch('/api/labels/imagenet1k.tsv');
  if (!res.ok) throw new Error('Could not load the ImageNet class names.');
  return parseImageNetTsv(await res.text());
}

/** Forgets the loaded models, so the next editor asks again (after an upload). */
export function forgetModelCatalog(): void {
  modelsOnce = null;
}

/** Forgets a failed load so the next render can try again. */
function retryable<T>(load: () => Promise<T>, clear: () => void): Promise<T> {
  const p = load();
  p.catch(clear);
  return p;
}

/** The catalog; each part is null until loaded. */
export function useLessonCatalog(): LessonCatalog {
  const [state, setState] = useState<LessonCatalog>({ models: null, samples: null, classes: null, error: null });
  useEffect(() => {
    let live = true;
    const fail = (err: unknown) => live && setState((s) => ({ ...s, error: s.error ?? (err instanceof Error ? err.message : String(err)) }));
    modelsOnce ??= retryable(() => api.listModels().then((r) => r.models), () => (modelsOnce = null));
    samplesOnce ??= retryable(() => api.listSamples().then((r) => r.samples), () => (samplesOnce = null));
    classesOnce ??= retryable(fetchClasses, () => (classesOnce = null));
    modelsOnce.then((models) => live && setState((s) => ({ ...s, models })), fail);
    samplesOnce.then((samples) => live && setState((s) => ({ ...s, samples })), fail);
    classesOnce.then((classes) => live && setState((s) => ({ ...s, classes })), fail);
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** A sample id in words: "n04147183_schooner.jpg" → "schooner", "skimage_chelsea.png" → "chelsea (skimage)". */
export function sampleLabel(id: string): string {
  const [folder, file = ''] = id.split('/');
  const stem = file.replace(/\.[a-z]+$/i, '');
  if (folder === 'imagenet-samples') return stem.replace(/^n\d{8}_/, '').replace(/_/g, ' ');
  const m = /^([a-z]+)_(.+)$/.exec(stem);
  return m ? `${m[2]!.replace(/_/g, ' ')} (${m[1]})` : stem.replace(/_/g, ' ');
}

/** The model `id` of the catalog (undefined while loading or when not installed). */
export function catalogModel(catalog: LessonCatalog, id: unknown): InstalledModel | undefined {
  return typeof id === 'string' ? catalog.models?.find((m) => m.id === id) : undefined;
}

/** The classes a class picker offers for model `id`: an uploaded model's own names, else the ImageNet classes. */
export function catalogClasses(catalog: LessonCatalog, id: unknown): ImageNetClass[] | null {
  const names = catalogModel(catalog, id)?.classNames;
  return names ? names.map((name, index) => ({ index, wnid: '', name, fullName: name })) : catalog.classes;
}
