/**
 * Courses in a real browser: an approved instructor creates a course, a roster with a bad line is refused with its
 * line number, the fixed one is imported; the instructor opens enrolment by code and hands a rostered student a
 * set-password link; that student and one who signs up with the code each see the course on their home page.
 * Screenshots: the course page, the roster problems, the admin page, the student's home.
 */
import { expect, test } from '@playwright/test';
import { adminRequest, baseUrlOf, instructorContext, snap } from './support';

/** The first look at a page: generous, as the dev server (CONVLAB_E2E_DEV=1) compiles a page on its first visit. */
const FIRST_VISIT = { timeout: 90_000 };

const ROSTER = 'name,email,student_id\nAda Lovelace,ada@course.example.org,S1001\nAlan Turing,alan@course.example.org,S1002\n';

test('an instructor builds a course roster; students arrive by set-password link and by enrolment code', async ({ browser }, testInfo) => {
  test.slow(); // four browsers and six pages; under CONVLAB_E2E_DEV=1 each page compiles on its first visit
  const teacherContext = await instructorContext(browser, 'Grace Hopper');
  const teacher = await teacherContext.newPage();
  await teacher.goto('/courses');
  await expect(teacher.getByRole('heading', { name: 'Courses', exact: true })).toBeVisible(FIRST_VISIT);
  await teacher.getByLabel('New course').fill('CS 231 — How CNNs see');
  await teacher.getByRole('button', { name: 'Create course' }).click();
  await expect(teacher.getByRole('heading', { name: 'CS 231 — How CNNs see' })).toBeVisible(FIRST_VISIT);

  // A bad e-mail on line 3: refused, with the line, and nothing imported.
  await teacher.getByLabel('Roster', { exact: true }).fill(ROSTER.replace('alan@course.example.org', 'alan-at-course'));
  await teacher.getByRole('button', { name: 'Import' }).click();
  const problems = teacher.getByTestId('roster-problems');
  await expect(problems).toContainText('BAD_EMAIL');
  await expect(problems.locator('tbody tr').first().locator('td').first()).toHaveText('3');
  await snap(teacher, 'course-roster-refused', testInfo, true);
  await expect(teacher.getByTestId('member-row')).toHaveCount(1);

  // The file as a spreadsheet saves it: UTF-8 with a byte-order mark.
  await teacher.getByLabel('Roster CSV file').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${ROSTER}`, 'utf8') });
  await teacher.getByRole('button', { name: 'Import' }).click();
  await expect(teacher.getByRole('status').filter({ hasText: 'Roster imported' })).toContainText('2 new accounts');
  await expect(teacher.getByTestId('member-row')).toHaveCount(3);

  await teacher.getByRole('button', { name: 'Open enrolment by code' }).click();
  const code = ((await teacher.getByTestId('enrol-code').textContent()) ?? '').replace('-', '');
  expect(code).toMatch(/^[A-Z2-9]{8}$/);
  await teacher.locator('[data-testid="member-row"][data-email="ada@course.example.org"]').getByRole('button', { name: 'Set-password link' }).click();
  const link = await teacher.getByTestId('password-link').inputValue();
  expect(link).toMatch(/\/set-password\/[A-Za-z0-9_-]+$/);
  await snap(teacher, 'course-page', testInfo, true);

  // Ada chooses her password through the link and lands on her courses.
  const adaContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const ada = await adaContext.newPage();
  await ada.goto(new URL(link).pathname);
  await expect(ada.getByText('For Ada Lovelace (ada@course.example.org)')).toBeVisible(FIRST_VISIT);
  await ada.getByLabel('New password').fill('correct horse battery');
  await ada.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(ada).toHaveURL(/\/home$/, FIRST_VISIT);
  await expect(ada.getByTestId('my-courses')).toContainText('CS 231 — How CNNs see');
  await snap(ada, 'student-home', testInfo);

  // Zoe was not on the roster: she signs up with the enrolment code.
  const zoeContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const zoe = await zoeContext.newPage();
  await zoe.goto('/signin');
  await zoe.getByRole('link', { name: 'Student with an enrolment code' }).click();
  await expect(zoe.getByRole('heading', { name: 'Create a student account' })).toBeVisible(FIRST_VISIT);
  await zoe.getByLabel('Your name').fill('Zoe Student');
  await zoe.getByLabel('Enrolment code').fill(`${code.slice(0, 4).toLowerCase()}-${code.slice(4)}`);
  await zoe.getByLabel('Email').fill('zoe@course.example.org');
  await zoe.getByLabel('Password').fill('correct horse battery');
  await zoe.getByRole('button', { name: 'Create account' }).click();
  await expect(zoe).toHaveURL(/\/home$/);
  await expect(zoe.getByTestId('my-courses')).toContainText('CS 231 — How CNNs see');
  // Students have no instructor pages.
  await zoe.goto('/dashboard');
  await expect(zoe).toHaveURL(/\/home$/);

  await teacher.reload();
  await expect(teacher.locator('[data-testid="member-row"][data-email="zoe@course.example.org"]')).toContainText('active');

  // The admin's page lists instructor accounts with their approval.
  const admin = await adminRequest(baseUrlOf());
  const adminContext = await browser.newContext({ storageState: await admin.storageState() });
  const adminPage = await adminContext.newPage();
  await adminPage.goto('/admin');
  await expect(adminPage.getByTestId('instructor-row').first()).toBeVisible(FIRST_VISIT);
  await snap(adminPage, 'admin-instructors', testInfo);
  await Promise.all([teacherContext.close(), adminContext.close(), adaContext.close(), zoeContext.close(), admin.dispose()]);
});
