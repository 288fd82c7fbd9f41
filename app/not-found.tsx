import Link from 'next/link';
import { SiteHeader } from './_components/site-header';

/** 404 page. */
export default function NotFound() {
  return (
    <>
      <SiteHeader />
      <main id="main" className="mx-auto max-w-lg px-4 py-20 text-center">
        <h1 className="text-3xl font-bold text-slate-900">Page not found</h1>
        <p className="mt-2 text-slate-600">That address doesn&apos;t exist. If you were joining a class, type the code again.</p>
        <div className="mt-6 flex justify-center gap-3">
          <Link href="/join" className="btn btn-primary">
            Join a session
          </Link>
          <Link href="/" className="btn btn-secondary">
            Home
          </Link>
        </div>
      </main>
    </>
  );
}
