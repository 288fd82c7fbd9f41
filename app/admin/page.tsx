'use client';

import { useEffect, useState } from 'react';
import { Alert } from '../_components/alert';
import { InstructorHeader } from '../_components/instructor-header';
import { TableHead } from '../_components/table-head';
import { api } from '../_lib/api-client';
import { useInstructor } from '../_lib/use-instructor';
import type { Account } from '@convlab/protocol';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** The admin approves who may teach: instructor accounts, those waiting first. */
export default function AdminPage() {
  const { instructor, error: authError } = useInstructor();
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!instructor) return;
    api
      .listInstructorAccounts()
      .then((res) => setAccounts(res.accounts))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the accounts.'));
  }, [instructor]);

  async function approve(account: Account, approved: boolean) {
    setError(null);
    try {
      const updated = (await api.approveInstructor(account.id, approved)).account;
      setAccounts((list) => list?.map((a) => (a.id === updated.id ? updated : a)) ?? null);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'That did not work.');
    }
  }

  const waiting = accounts?.filter((a) => !a.approved).length ?? 0;
  return (
    <>
      <InstructorHeader instructor={instructor} />
      <main id="main" className="mx-auto max-w-5xl px-4 py-10 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight text-slate-900">Instructor accounts</h1>
        <p className="mt-1 text-slate-600">
          Anyone can sign up as an instructor; only the accounts you approve run sessions and courses.{' '}
          {accounts ? `${waiting} waiting for approval.` : ''}
        </p>
        <div className="mt-6 space-y-4">
          {authError ? <Alert title="Could not load your account">{authError}</Alert> : null}
          {error ? <Alert>{error}</Alert> : null}
        </div>
        {accounts ? (
          <div className="card mt-6 overflow-x-auto">
            <table className="w-full text-left text-sm">
              <TableHead caption="Instructor accounts, those waiting for approval first" columns={['Name', 'E-mail', 'Signed up', 'Status', '']} />
              <tbody className="divide-y divide-slate-100">
                {accounts.map((a) => (
                  <tr key={a.id} data-testid="instructor-row" data-email={a.email}>
                    <td className="px-4 py-2 font-medium">{a.name}</td>
                    <td className="px-4 py-2">{a.email}</td>
                    <td className="px-4 py-2 whitespace-nowrap text-slate-600">{dateFormat.format(new Date(a.createdAt))}</td>
                    <td className="px-4 py-2 whitespace-nowrap">
                      {a.admin ? <span className="badge bg-brand-50 text-brand-800">admin</span> : null}{' '}
                      {a.approved ? <span className="badge bg-emerald-50 text-emerald-800">approved</span> : <span className="badge bg-amber-50 text-amber-800">waiting</span>}
                    </td>
                    <td className="px-4 py-2 text-right whitespace-nowrap">
                      {a.admin ? null : a.approved ? (
                        <button type="button" className="btn btn-ghost text-xs" onClick={() => approve(a, false)}>Withdraw approval</button>
                      ) : (
                        <button type="button" className="btn btn-primary text-xs" onClick={() => approve(a, true)}>Approve</button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </main>
    </>
  );
}
