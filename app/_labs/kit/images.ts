'use client';

import { useEffect, useState } from 'react';
import type { ImageRef } from '@convlab/protocol';

/** Where the browser fetches a lab image: a built-in sample or an upload (both served by ConvLab). */
export function imageRefUrl(ref: ImageRef): string {
  return ref.kind === 'sample' ? `/api/samples/${ref.id}` : `/api/images/${ref.sha256}`;
}

/** A stored image (a submission's result image) by content hash. */
export function storedImageUrl(sha256: string): string {
  return `/api/images/${sha256}`;
}

/** An object URL for PNG bytes, revoked when the bytes change or the component unmounts. */
export function usePngUrl(png: Uint8Array | null | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!png) {
      setUrl(null);
      return;
    }
    const next = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [png]);
  return url;
}
