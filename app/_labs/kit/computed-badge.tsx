import type { ComputedBy } from '@convlab/protocol';

/** A duration for people: 840 ms, 3.2 s. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/**
 * Where and how a result was computed: "your browser · webgl · 312 ms", "server · wasm · 1.2 s" or, on the server's
 * GPU, "server · webgpu · NVIDIA H200 · 40 ms".
 */
export function ComputedBadge({
  where,
  backend,
  device,
  ms,
  cached,
  whose = 'your',
}: Pick<ComputedBy, 'where' | 'backend' | 'device' | 'ms'> & { cached?: boolean; whose?: 'your' | 'their' }) {
  const place = where === 'browser' ? `${whose} browser` : 'server';
  return (
    <span
      className={`badge ${where === 'browser' ? 'bg-emerald-100 text-emerald-900' : 'bg-sky-100 text-sky-900'}`}
      data-testid="computed-where"
      data-where={where}
      title={`Computed ${where === 'browser' ? `in ${whose} browser` : 'on the compute server'} with the ${backend} backend${device ? ` on ${device}` : ''}${cached ? ' (from the cache)' : ''}`}
    >
      {place} · {backend}
      {device ? ` · ${device}` : ''} · {formatMs(ms)}
      {cached ? ' · cached' : ''}
    </span>
  );
}
