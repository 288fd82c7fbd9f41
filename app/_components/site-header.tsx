import type { ReactNode } from 'react';
import { HomeMark } from './home-mark';

/** The slim top bar: the ConvLab mark (home link, outside an LMS's frame) and page-specific actions on the right. */
export function SiteHeader({ children, wide = false }: { children?: ReactNode; wide?: boolean }) {
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className={`mx-auto flex h-14 items-center justify-between gap-4 px-4 sm:px-6 ${wide ? 'max-w-[1600px]' : 'max-w-5xl'}`}>
        <HomeMark className="flex items-center gap-2 rounded font-bold tracking-tight text-slate-900">
          <LogoMark />
          <span className="text-lg">ConvLab</span>
        </HomeMark>
        {children ? <nav className="flex items-center gap-2" aria-label="Account and session">{children}</nav> : null}
      </div>
    </header>
  );
}

/** A 3×3 kernel sliding over a grid: the mark. Decorative. */
function LogoMark() {
  return (
    <svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true">
      <rect x="1" y="1" width="26" height="26" rx="6" fill="#2747d6" />
      {[0, 1, 2, 3].map((r) =>
        [0, 1, 2, 3].map((c) => (
          <rect key={`${r}${c}`} x={4.5 + c * 5} y={4.5 + r * 5} width="4" height="4" rx="1" fill={r < 3 && c < 3 ? '#fff' : '#8aa4ff'} />
        )),
      )}
    </svg>
  );
}
