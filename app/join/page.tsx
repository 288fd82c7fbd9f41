import type { Metadata } from 'next';
import { JoinCodeForm } from '../_components/join-code-form';
import { SiteHeader } from '../_components/site-header';

export const metadata: Metadata = { title: 'Join a session' };

/** Code entry for students. */
export default function JoinPage() {
  return (
    <>
      <SiteHeader />
      <main id="main" className="mx-auto max-w-lg px-4 py-12 sm:py-20">
        <div className="card p-6 sm:p-8">
          <h1 className="text-3xl font-bold tracking-tight text-slate-900">Join a session</h1>
          <p className="mt-1 mb-6 text-slate-600">Type the 6-character code shown on the screen at the front of the room.</p>
          <JoinCodeForm autoFocus />
        </div>
      </main>
    </>
  );
}
