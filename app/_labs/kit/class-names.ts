'use client';

/**
 * ImageNet class names for people ("African elephant", not 386), from the label table the server serves. Loaded once
 * per page; until it arrives (or if it fails) a class shows as "class 386".
 */
import { useEffect, useState } from 'react';

let loading: Promise<string[]> | null = null;

/** Parses the label table: a header, then `index  wnid  short name  full name …` per line. */
export function parseClassNames(tsv: string): string[] {
  const names: string[] = [];
  for (const line of tsv.split('\n').slice(1)) {
    const [index, , short, full] = line.split('\t');
    if (index === undefined || !/^\d+$/.test(index)) continue;
    names[Number(index)] = short?.trim() || full?.split(',')[0]?.trim() || `class ${index}`;
  }
  return names;
}

function load(): Promise<string[]> {
  loading ??= fetch('/api/labels/imagenet1k.tsv')
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`labels: HTTP ${r.status}`))))
    .then(parseClassNames)
    .catch(() => {
      loading = null; // try again on the next mount
      return [];
    });
  return loading;
}

/** `name(index)`: the class's name, and the whole list (empty until loaded) for pickers. */
export function useClassNames(): { name: (index: number) => string; names: readonly string[] } {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    void load().then((n) => live && setNames(n));
    return () => {
      live = false;
    };
  }, []);
  return { name: (i: number) => names[i] ?? `class ${i}`, names };
}
