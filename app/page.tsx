import Link from 'next/link';
import { JoinCodeForm } from './_components/join-code-form';
import { SiteHeader } from './_components/site-header';

/** Landing: students join by code (the main action); instructors sign in or sign up. */
export default function HomePage() {
  return (
    <>
      <SiteHeader>
        <Link href="/signin" className="btn btn-ghost">
          Instructor sign in
        </Link>
        <Link href="/signup" className="btn btn-secondary hidden sm:inline-flex">
          Sign up
        </Link>
      </SiteHeader>
      <main id="main" className="mx-auto max-w-5xl px-4 py-12 sm:px-6 sm:py-20">
        <div className="grid items-start gap-10 lg:grid-cols-[1.1fr_1fr]">
          <section aria-labelledby="hero-title">
            <p className="text-sm font-semibold uppercase tracking-wider text-brand-600">Live classroom</p>
            <h1 id="hero-title" className="mt-2 text-4xl font-bold tracking-tight text-slate-900 sm:text-5xl">
              See what a convolutional network sees.
            </h1>
            <p className="mt-4 max-w-xl text-lg text-slate-600">
              ConvLab runs a live lesson on how CNNs see: your instructor leads, and every step shows up on your laptop as
              it happens.
            </p>
          </section>

          <section aria-labelledby="join-title" className="card p-6 sm:p-8">
            <h2 id="join-title" className="text-2xl font-bold text-slate-900">
              Join a session
            </h2>
            <p className="mt-1 text-slate-600">Type the code shown on the screen at the front of the room.</p>
            <div className="mt-5">
              <JoinCodeForm autoFocus />
            </div>
          </section>
        </div>

        <section aria-labelledby="teach-title" className="mt-16 border-t border-slate-200 pt-8">
          <h2 id="teach-title" className="text-lg font-semibold text-slate-900">
            Teaching?
          </h2>
          <p className="mt-1 text-slate-600">Create a lesson plan, show the join code, and drive every student&apos;s screen.</p>
          <div className="mt-4 flex flex-wrap gap-3">
            <Link href="/signin" className="btn btn-secondary">
              Instructor sign in
            </Link>
            <Link href="/signup" className="btn btn-primary">
              Create an instructor account
            </Link>
          </div>
        </section>

        <section aria-labelledby="check-title" className="mt-10 border-t border-slate-200 pt-8">
          <h2 id="check-title" className="text-lg font-semibold text-slate-900">
            Will my laptop keep up?
          </h2>
          <p className="mt-1 text-slate-600">
            Labs run the network in your browser when it can, and on the class server when it cannot. Check this browser before class.
          </p>
          <div className="mt-4">
            <Link href="/lab-check" className="btn btn-secondary">
              Check this browser
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
