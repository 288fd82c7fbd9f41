'use client';

/**
 * The instructor's step keys, on the live view and on the projector's present window: → and PageDown go to the next
 * step, ← and PageUp to the previous one (what a presenter clicker sends). Typing in a field never turns the page.
 */
import { useEffect } from 'react';

/** Typing in a field must not turn the page: keyboard shortcuts only apply outside form controls and dialogs. */
function isTypingTarget(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.closest('dialog[open]') !== null;
}

/** Listens for the step keys while `enabled`. */
export function useStepKeys(enabled: boolean, next: () => void, prev: () => void): void {
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target)) return;
      if (e.key === 'ArrowRight' || e.key === 'PageDown') (e.preventDefault(), next());
      else if (e.key === 'ArrowLeft' || e.key === 'PageUp') (e.preventDefault(), prev());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled, next, prev]);
}
