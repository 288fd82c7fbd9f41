'use client';

/**
 * `useState` for what a draft keeps. In an assignment (LabRuntime.selfPaced) the value starts from the step's saved
 * draft and every change is reported to the page, which saves it after a pause; in a live lecture or a preview it is
 * plain state. A panel swaps `useState` for this on each field it wants restored exactly (masks, picks, parameters).
 */
import { useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { LabRuntime } from '../lab-runtime';

export function useDraftState<T>(lab: Pick<LabRuntime, 'selfPaced'>, key: string, initial: T | (() => T)): [T, Dispatch<SetStateAction<T>>] {
  const [value, setValue] = useState<T>(() => {
    const draft = lab.selfPaced?.draft;
    if (draft && Object.hasOwn(draft, key)) return draft[key] as T;
    return typeof initial === 'function' ? (initial as () => T)() : initial;
  });
  const save = lab.selfPaced?.saveDraft;
  const restored = useRef(value);
  useEffect(() => {
    // The value it started from is not a change: opening a step saves nothing.
    if (!save || value === restored.current) return;
    restored.current = value;
    save({ [key]: value });
  }, [save, key, value]);
  return [value, setValue];
}
