/**
 * Courses and rosters on a real server and both databases: instructor approval, roster imports (all or nothing),
 * set-password links, enrolment codes, who may read and change a course, and deleting one.
 */
import { describe, expect, it } from 'vitest';
import { SLIDES, adminCookie, api, connect, request, signUpInstructor } from './helpers/clients';
import { databaseTargets } from './helpers/databases';
import { useApiServer } from './helpers/api-server';

const PASSWORD = 'correct horse battery';

function cookieOf(res: { setCookie: string | null }): string {
  return res.setCookie!.split(';')[0]!;
}

describe.each(databaseTargets())('courses on $kind', (target) => {
  const suite = useApiServer(target);

  /** An approved instructor's course with a roster; returns what the tests need. */
  async function courseWithRoster(prefix: string, roster: string) {
    const teacher = await signUpInstructor(suite.base, `${prefix}-teacher@example.org`);
    const created = await api(suite.base, '/api/courses', { body: { title: `${prefix} 101` }, cookie: teacher.cookie });
    expect(created.status).toBe(201);
    const courseId: string = created.body.course.id;
    const imported = await api(suite.base, `/api/courses/${courseId}/roster`, { body: { csv: roster }, cookie: teacher.cookie });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    return { teacher, courseId };
  }

  async function members(courseId: string, cookie: string): Promise<{ email: string; accountId: string; role: string; droppedAt: string | null }[]> {
    const res = await api(suite.base, `/api/courses/${courseId}`, { cookie });
    expect(res.status).toBe(200);
    return res.body.course.members;
  }

  /** A set-password link for a rostered student, used: returns the student's cookie. */
  async function activate(courseId: string, teacherCookie: string, accountId: string): Promise<string> {
    const link = await api(suite.base, `/api/courses/${courseId}/members/${accountId}/password-link`, { body: {}, cookie: teacherCookie });
    expect(link.status).toBe(201);
    const token = new URL(link.body.url).pathname.split('/').pop()!;
    const used = await api(suite.base, `/api/password-links/${token}/use`, { body: { password: PASSWORD } });
    expect(used.status).toBe(200);
    return cookieOf(used);
  }

  it('a new instructor waits for the admin: no sessions or courses until approved', async () => {
    const admin = await adminCookie(suite.base);
    const signup = await api(suite.base, '/api/auth/signup', { body: { email: 'pending@example.org', password: PASSWORD, name: 'Pending' } });
    expect(signup.status).toBe(201);
    expect(signup.body.account).toMatchObject({ role: 'instructor', approved: false, admin: false });
    const cookie = cookieOf(signup);
    for (const [path, body] of [
      ['/api/courses', { title: 'Too early' }],
      ['/api/sessions', { title: 'Too early', steps: SLIDES }],
    ] as const) {
      const refused = await api(suite.base, path, { body, cookie });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toBe('NOT_APPROVED');
    }
    expect((await api(suite.base, '/api/admin/accounts', { cookie })).body.error).toBe('FORBIDDEN');
    const list = await api(suite.base, '/api/admin/accounts', { cookie: admin });
    expect(list.body.accounts[0]).toMatchObject({ email: 'pending@example.org', approved: false });
    const approved = await api(suite.base, `/api/admin/accounts/${signup.body.account.id}/approve`, { body: { approved: true }, cookie: admin });
    expect(approved.body.account.approved).toBe(true);
    expect((await api(suite.base, '/api/courses', { body: { title: 'Now' }, cookie })).status).toBe(201);
    expect((await api(suite.base, '/api/auth/me', { cookie })).body.account).toMatchObject({ approved: true, role: 'instructor' });
  });

  it('a withdrawn approval reaches the instructor\'s open sockets at once: told why, and every instructor action refused', async () => {
    const admin = await adminCookie(suite.base);
    const teacher = await signUpInstructor(suite.base, 'withdrawn@example.org');
    const created = await api(suite.base, '/api/sessions', { body: { title: 'Monday lecture', steps: SLIDES }, cookie: teacher.cookie });
    expect(created.status).toBe(201);
    const sessionId: string = created.body.session.id;
    const socket = connect(suite.base, { cookie: teacher.cookie, reconnection: false });
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      expect((await request(socket, 'instructor:watch', { sessionId })).ok).toBe(true);
      expect((await request(socket, 'step:next', {})).ok).toBe(true);
      const notice = new Promise<{ message: string }>((resolve) => socket.once('instructor:approval-withdrawn', resolve));
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));

      const withdrawn = await api(suite.base, `/api/admin/accounts/${teacher.id}/approve`, { body: { approved: false }, cookie: admin });
      expect(withdrawn.body.account.approved).toBe(false);
      expect((await notice).message).toBe('an administrator withdrew the approval of this instructor account: it can no longer run sessions');
      expect(await dropped).toBe('io server disconnect');
    } finally {
      socket.close();
    }

    // Back with the same sign-in: still signed in, but no instructor action passes.
    const again = connect(suite.base, { cookie: teacher.cookie, reconnection: false });
    try {
      await new Promise<void>((resolve) => again.once('connect', () => resolve()));
      const watch = await request(again, 'instructor:watch', { sessionId });
      expect(watch).toMatchObject({ ok: false, error: 'NOT_APPROVED' });
      expect(await request(again, 'session:reopen', { sessionId })).toMatchObject({ ok: false, error: 'NOT_APPROVED' });
    } finally {
      again.close();
    }
    expect((await api(suite.base, '/api/sessions', { body: { title: 'Tuesday', steps: SLIDES }, cookie: teacher.cookie })).body.error).toBe('NOT_APPROVED');
  });

  it('a refused roster imports nothing; a good one creates accounts once, re-importing changes nothing', async () => {
    const teacher = await signUpInstructor(suite.base, 'roster-teacher@example.org');
    const courseId: string = (await api(suite.base, '/api/courses', { body: { title: 'Roster' }, cookie: teacher.cookie })).body.course.id;
    const roster = (path: string, csv: string, dryRun?: boolean) =>
      api(suite.base, `/api/courses/${courseId}/roster`, { body: { csv, ...(dryRun === undefined ? {} : { dryRun }) }, cookie: teacher.cookie });

    const bad = await roster('x', 'name,email\nAda,ada@example.org\nBob,not-an-email\nAda,ada@example.org\n');
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ ok: false, problems: [{ line: 3, code: 'BAD_EMAIL' }, { line: 4, code: 'DUPLICATE_EMAIL' }] });
    expect(await members(courseId, teacher.cookie)).toHaveLength(1);

    // The last row names an instructor: refused in the database's check, and the 4 999 rows before it are not kept.
    const rows = Array.from({ length: 4999 }, (_, i) => `Student ${i},s${i}@roster.example.org,${i}`);
    const big = `\uFEFFname,email,student_id\n${rows.join('\n')}\nTeacher,roster-teacher@example.org,x\n`;
    const refused = await roster('x', big);
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([{ line: 5001, code: 'NOT_A_STUDENT', message: expect.any(String) }]);
    expect(await members(courseId, teacher.cookie)).toHaveLength(1);

    const five = `name,email,student_id\n${rows.join('\n')}\nLast,last@roster.example.org,x\n`;
    const dry = await roster('x', five, true);
    expect(dry.body).toEqual({ ok: true, dryRun: true, rows: 5000, created: 5000, enrolled: 0, unchanged: 0 });
    expect(await members(courseId, teacher.cookie)).toHaveLength(1);
    const done = await roster('x', five);
    expect(done.status).toBe(201);
    expect(done.body).toEqual({ ok: true, dryRun: false, rows: 5000, created: 5000, enrolled: 0, unchanged: 0 });
    expect(await members(courseId, teacher.cookie)).toHaveLength(5001);
    expect((await roster('x', five)).body).toMatchObject({ created: 0, enrolled: 0, unchanged: 5000 });
    const listed = await members(courseId, teacher.cookie);
    expect(listed.find((m) => m.email === 's7@roster.example.org')).toMatchObject({ role: 'student', studentNumber: '7', source: 'roster', hasPassword: false });
  }, 120_000);

  it('a one-time set-password link lets a rostered student in, once; students see their courses, not rosters', async () => {
    const { teacher, courseId } = await courseWithRoster('link', 'name,email\nAda,ada@link.example.org\nBob,bob@link.example.org\n');
    const [ada, bob] = (await members(courseId, teacher.cookie)).filter((m) => m.role === 'student');
    // Without a password, no sign-in.
    expect((await api(suite.base, '/api/auth/signin', { body: { email: 'ada@link.example.org', password: PASSWORD } })).status).toBe(401);

    const link = await api(suite.base, `/api/courses/${courseId}/members/${ada!.accountId}/password-link`, { body: {}, cookie: teacher.cookie });
    const token = new URL(link.body.url).pathname.split('/').pop()!;
    expect(link.body.url).toMatch(/\/set-password\/[A-Za-z0-9_-]{43}$/);
    expect((await api(suite.base, `/api/password-links/${token}`)).body).toEqual({ name: 'Ada', email: 'ada@link.example.org' });
    const used = await api(suite.base, `/api/password-links/${token}/use`, { body: { password: PASSWORD } });
    expect(used.body.account).toMatchObject({ role: 'student', email: 'ada@link.example.org' });
    const again = await api(suite.base, `/api/password-links/${token}/use`, { body: { password: 'another password' } });
    expect(again.status).toBe(404);
    const signin = await api(suite.base, '/api/auth/signin', { body: { email: 'ada@link.example.org', password: PASSWORD } });
    expect(signin.status).toBe(200);
    const student = cookieOf(signin);

    expect((await api(suite.base, '/api/courses', { cookie: student })).body.courses).toEqual([
      { id: courseId, title: 'link 101', role: 'student', createdAt: expect.any(String) },
    ]);
    // The roster names other students: staff only. Nothing of the course is changed by a student.
    expect((await api(suite.base, `/api/courses/${courseId}`, { cookie: student })).status).toBe(403);
    for (const [path, body] of [
      [`/api/courses/${courseId}/roster`, { csv: 'name,email\nEve,eve@example.org\n' }],
      [`/api/courses/${courseId}/members/${bob!.accountId}/password-link`, {}],
      [`/api/courses/${courseId}/members/${bob!.accountId}`, { dropped: true }],
      [`/api/courses/${courseId}/enrol-code`, { open: true }],
      [`/api/courses/${courseId}/staff`, { email: 'ada@link.example.org', role: 'ta' }],
      [`/api/courses/${courseId}/delete`, {}],
      ['/api/courses', { title: 'Mine' }],
      ['/api/sessions', { title: 'Mine', steps: SLIDES }],
    ] as const) {
      expect((await api(suite.base, path, { body, cookie: student })).status, path).toBe(403);
    }
    // Another course does not exist as far as this student can tell.
    const other = await courseWithRoster('other', 'name,email\nCy,cy@other.example.org\n');
    expect((await api(suite.base, `/api/courses/${other.courseId}`, { cookie: student })).status).toBe(404);
    // A teacher of another course cannot issue links for this course's students.
    expect((await api(suite.base, `/api/courses/${courseId}/members/${bob!.accountId}/password-link`, { body: {}, cookie: other.teacher.cookie })).status).toBe(404);
  });

  it('a TA reads the roster but edits nothing; an instructor added as co-instructor edits', async () => {
    const { teacher, courseId } = await courseWithRoster('ta', 'name,email\nAda,ada@ta.example.org\nTim,tim@ta.example.org\n');
    const tim = (await members(courseId, teacher.cookie)).find((m) => m.email === 'tim@ta.example.org')!;
    const ta = await activate(courseId, teacher.cookie, tim.accountId);
    expect((await api(suite.base, `/api/courses/${courseId}/staff`, { body: { email: 'tim@ta.example.org', role: 'ta' }, cookie: teacher.cookie })).status).toBe(200);
    const seen = await api(suite.base, `/api/courses/${courseId}`, { cookie: ta });
    expect(seen.status).toBe(200);
    expect(seen.body.course.role).toBe('ta');
    expect(seen.body.course.members.map((m: { email: string }) => m.email)).toContain('ada@ta.example.org');
    const ada = seen.body.course.members.find((m: { email: string }) => m.email === 'ada@ta.example.org');
    for (const [path, body] of [
      [`/api/courses/${courseId}/roster`, { csv: 'name,email\nEve,eve@example.org\n' }],
      [`/api/courses/${courseId}/members/${ada.accountId}/password-link`, {}],
      [`/api/courses/${courseId}/members/${ada.accountId}`, { dropped: true }],
      [`/api/courses/${courseId}/enrol-code`, { open: true }],
      [`/api/courses/${courseId}/staff`, { email: 'ta-teacher@example.org', role: 'ta' }],
      [`/api/courses/${courseId}/delete`, {}],
    ] as const) {
      const refused = await api(suite.base, path, { body, cookie: ta });
      expect(refused.status, path).toBe(403);
      expect(refused.body.error).toBe('FORBIDDEN');
    }
    // A student account cannot be a co-instructor; an approved instructor can, and then edits.
    expect((await api(suite.base, `/api/courses/${courseId}/staff`, { body: { email: 'ada@ta.example.org', role: 'instructor' }, cookie: teacher.cookie })).status).toBe(400);
    const colleague = await signUpInstructor(suite.base, 'colleague@example.org');
    expect((await api(suite.base, `/api/courses/${courseId}/staff`, { body: { email: 'colleague@example.org', role: 'instructor' }, cookie: teacher.cookie })).status).toBe(200);
    expect((await api(suite.base, `/api/courses/${courseId}/enrol-code`, { body: { open: true }, cookie: colleague.cookie })).status).toBe(200);
  });

  it('students enrol with the course code; a dropped student loses access and cannot re-enrol', async () => {
    const { teacher, courseId } = await courseWithRoster('code', 'name,email\nAda,ada@code.example.org\n');
    const opened = await api(suite.base, `/api/courses/${courseId}/enrol-code`, { body: { open: true }, cookie: teacher.cookie });
    const code: string = opened.body.course.enrolCode;
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`;
    const signup = await api(suite.base, '/api/student/signup', { body: { email: 'zoe@code.example.org', password: PASSWORD, name: 'Zoe', enrolCode: typed } });
    expect(signup.status).toBe(201);
    expect(signup.body).toMatchObject({ account: { role: 'student', approved: true }, courseId });
    const zoe = cookieOf(signup);
    expect((await api(suite.base, '/api/courses', { cookie: zoe })).body.courses.map((c: { id: string }) => c.id)).toEqual([courseId]);
    // A student account is no instructor.
    expect((await api(suite.base, '/api/sessions', { cookie: zoe })).status).toBe(403);
    // An e-mail on a roster cannot be claimed by signing up: the account exists (set-password link instead).
    const taken = await api(suite.base, '/api/student/signup', { body: { email: 'ada@code.example.org', password: PASSWORD, name: 'Not Ada', enrolCode: code } });
    expect(taken.body.error).toBe('EMAIL_TAKEN');

    const zoeId = signup.body.account.id;
    expect((await api(suite.base, `/api/courses/${courseId}/members/${zoeId}`, { body: { dropped: true }, cookie: teacher.cookie })).status).toBe(200);
    expect((await api(suite.base, '/api/courses', { cookie: zoe })).body.courses).toEqual([]);
    const back = await api(suite.base, '/api/student/enrol', { body: { enrolCode: code }, cookie: zoe });
    expect(back.status).toBe(403);

    const closed = await api(suite.base, `/api/courses/${courseId}/enrol-code`, { body: { open: false }, cookie: teacher.cookie });
    expect(closed.body.course.enrolCode).toBeNull();
    const late = await api(suite.base, '/api/student/signup', { body: { email: 'late@code.example.org', password: PASSWORD, name: 'Late', enrolCode: code } });
    expect(late.status).toBe(404);
  });

  it("deleting a course deletes its roster and the students' accounts no other course holds", async () => {
    const { teacher, courseId } = await courseWithRoster('gone', 'name,email\nAda,ada@gone.example.org\nBob,bob@gone.example.org\n');
    const other = await api(suite.base, '/api/courses', { body: { title: 'Stays' }, cookie: teacher.cookie });
    const staysId: string = other.body.course.id;
    await api(suite.base, `/api/courses/${staysId}/roster`, { body: { csv: 'name,email\nBob,bob@gone.example.org\n' }, cookie: teacher.cookie });
    const bob = (await members(staysId, teacher.cookie)).find((m) => m.email === 'bob@gone.example.org')!;
    const ada = (await members(courseId, teacher.cookie)).find((m) => m.email === 'ada@gone.example.org')!;
    const adaCookie = await activate(courseId, teacher.cookie, ada.accountId);

    const deleted = await api(suite.base, `/api/courses/${courseId}/delete`, { body: {}, cookie: teacher.cookie });
    expect(deleted.body).toEqual({ deletedAccounts: 1 });
    expect((await api(suite.base, `/api/courses/${courseId}`, { cookie: teacher.cookie })).status).toBe(404);
    // Ada's account went with the course (her cookie names an account that no longer exists); Bob stays enrolled in the other.
    expect((await api(suite.base, '/api/auth/me', { cookie: adaCookie })).status).toBe(401);
    expect((await api(suite.base, '/api/auth/signin', { body: { email: 'ada@gone.example.org', password: PASSWORD } })).status).toBe(401);
    expect((await members(staysId, teacher.cookie)).map((m) => m.accountId)).toContain(bob.accountId);
  });
});
