import type { Metadata } from 'next';
import { SiteHeader } from '../_components/site-header';
import { BACKEND_ORDER, type BrowserBackend } from '../_lib/compute/worker-messages';
import { LabCheckView } from './lab-check-view';

export const metadata: Metadata = {
  title: 'Will this device work?',
  description: 'Checks that this browser can run ConvLab’s labs: its TensorFlow.js backend, the speed of the lesson’s model, and a test classification.',
};

/**
 * "Will this device work?": a check instructors can send to a lecture hall. `?code=ABC123` (a session this browser
 * joined) also lets the test job run on the compute server for comparison; `?backend=` checks one backend alone.
 */
export default async function LabCheckPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const code = typeof params.code === 'string' && /^[A-Za-z0-9]{4,12}$/.test(params.code) ? params.code.toUpperCase() : null;
  // `?backend=wasm` (or webgl, webgpu, cpu): check one backend alone, e.g. how a device without WebGL would fare.
  const backend = typeof params.backend === 'string' && (BACKEND_ORDER as readonly string[]).includes(params.backend) ? (params.backend as BrowserBackend) : null;
  return (
    <>
      <SiteHeader />
      <main id="main" className="mx-auto max-w-5xl px-4 py-8 sm:px-6 sm:py-10">
        <LabCheckView code={code} backend={backend} />
      </main>
    </>
  );
}
