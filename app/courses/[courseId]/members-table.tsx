'use client';

import { useState } from 'react';
import { Alert } from '../../_components/alert';
import { TableHead } from '../../_components/table-head';
import { api } from '../../_lib/api-client';
import { useCopy } from '../../_lib/use-copy';
import { shownEmail, type CourseDetail, type CourseMember } from '@convlab/protocol';

const ROLE_NAMES = { instructor: 'Instructor', ta: 'TA', student: 'Student' } as const;
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The course's members; instructors drop and restore them and issue set-password links to students. */
export function MembersTable({
  course,
  editor,
  onDropped,
}: {
  course: CourseDetail;
  editor: boolean;
  onDropped: (accountId: string, dropped: boolean) => void;
}) {
  const [link, setLink] = useState<{ accountId: string; url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function issueLink(member: CourseMember) {
    setError(null);
    try {
      setLink({ accountId: member.accountId, ...(await api.passwordLink(course.id, member.accountId)) });
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not make a link.');
    }
  }

  return (
    <div className="mt-4 space-y-3">
      {error ? <Alert>{error}</Alert> : null}
      <div className="card overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="members">
          <TableHead caption={`Members of ${course.title}`} columns={['Name', 'E-mail', 'Role', 'Student id', 'Account', editor ? '' : null]} />
          <tbody className="divide-y divide-slate-100">
            {course.members.map((m) => (
              <MemberRow key={m.accountId} member={m} editor={editor} link={link?.accountId === m.accountId ? link : null} onLink={() => issueLink(m)} onDropped={onDropped} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function MemberRow({
  member: m,
  editor,
  link,
  onLink,
  onDropped,
}: {
  member: CourseMember;
  editor: boolean;
  link: { url: string; expiresAt: string } | null;
  onLink: () => void;
  onDropped: (accountId: string, dropped: boolean) => void;
}) {
  const dropped = m.droppedAt !== null;
  return (
    <>
      <tr className={dropped ? 'text-slate-400' : ''} data-testid="member-row" data-email={m.email}>
        <td className="px-4 py-2 font-medium">{m.name}</td>
        <td className="px-4 py-2">{shownEmail(m.email)}</td>
        <td className="px-4 py-2">{ROLE_NAMES[m.role]}</td>
        <td className="px-4 py-2 font-mono text-xs">{m.studentNumber ?? ''}</td>
        <td className="px-4 py-2">
          {dropped ? (
            <span className="badge whitespace-nowrap bg-slate-100 text-slate-600">dropped</span>
          ) : m.hasPassword ? (
            <span className="badge whitespace-nowrap bg-emerald-50 text-emerald-800">active</span>
          ) : (
            <span className="badge whitespace-nowrap bg-amber-50 text-amber-800">no password yet</span>
          )}
        </td>
        {editor ? (
          <td className="px-4 py-2 text-right whitespace-nowrap">
            {m.role === 'student' && !dropped ? (
              <button type="button" className="btn btn-ghost text-xs" onClick={onLink}>
                Set-password link
              </button>
            ) : null}
            {m.role !== 'instructor' ? (
              <button type="button" className="btn btn-ghost text-xs" onClick={() => onDropped(m.accountId, !dropped)}>
                {dropped ? 'Restore' : 'Drop'}
              </button>
            ) : null}
          </td>
        ) : null}
      </tr>
      {link ? (
        <tr>
          <td colSpan={6} className="bg-brand-50 px-4 py-3">
            <PasswordLink url={link.url} expiresAt={link.expiresAt} name={m.name} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function PasswordLink({ url, expiresAt, name }: { url: string; expiresAt: string; name: string }) {
  const { state: copied, copy } = useCopy(url);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <label htmlFor="password-link" className="text-sm font-semibold text-brand-900">
        One-time link for {name}:
      </label>
      <input id="password-link" readOnly value={url} className="field-input min-w-80 flex-1 font-mono text-xs" onFocus={(e) => e.target.select()} data-testid="password-link" />
      <button
        type="button"
        className="btn btn-secondary text-xs"
        onClick={copy}
      >
        {copied === 'copied' ? 'Copied' : copied === 'refused' ? 'Select it to copy' : 'Copy'}
      </button>
      <span className="text-xs text-slate-600">
        Works once, until <time dateTime={expiresAt}>{dateFormat.format(new Date(expiresAt))}</time>. Only this link is shown; ConvLab keeps a hash.
      </span>
    </div>
  );
}
