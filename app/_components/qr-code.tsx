'use client';

import { useMemo } from 'react';
import QRCode from 'qrcode';

/**
 * A QR code drawn as React SVG in the browser (crisp at projector size, no innerHTML): the `qrcode`
 * package computes the module matrix, and each dark run of a row becomes one rectangle in a path.
 */
export function QrCode({ value, label, className = '' }: { value: string; label: string; className?: string }) {
  const { size, path } = useMemo(() => {
    const { modules } = QRCode.create(value, { errorCorrectionLevel: 'M' });
    const n = modules.size;
    let d = '';
    for (let row = 0; row < n; row++) {
      let col = 0;
      while (col < n) {
        if (!modules.get(row, col)) {
          col++;
          continue;
        }
        const start = col;
        while (col < n && modules.get(row, col)) col++;
        d += `M${start + QUIET},${row + QUIET}h${col - start}v1h-${col - start}z`;
      }
    }
    return { size: n + 2 * QUIET, path: d };
  }, [value]);

  return (
    <svg viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges" className={`block h-auto w-full ${className}`}>
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#0f172a" />
    </svg>
  );
}

// The spec's quiet zone is 4 modules; 2 is enough on a white card and keeps the code larger.
const QUIET = 2;
