'use client';

import { useEffect, useRef, useState } from 'react';

/**
 * Copies text on a click: with the Clipboard API where the page has it (a secure context), otherwise through a
 * selection, which pages on plain http (a lecture hall's LAN address) still allow. False when the browser refused.
 */
export async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission in this frame): the selection may still work.
    }
  }
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const area = document.createElement('textarea');
  area.value = text;
  area.readOnly = true;
  area.style.cssText = 'position:fixed;top:0;left:0;opacity:0';
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
    focused?.focus();
  }
}

/** A copy button's state: "copied" for two seconds after a copy, "refused" when the text must be copied by hand. */
export function useCopy(text: string): { state: 'idle' | 'copied' | 'refused'; copy: () => Promise<void> } {
  const [state, setState] = useState<'idle' | 'copied' | 'refused'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const copy = async () => {
    setState((await copyText(text)) ? 'copied' : 'refused');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 2000);
  };
  return { state, copy };
}
