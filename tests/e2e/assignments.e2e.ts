/**
 * A graded assignment from end to end in real browsers, with real models: an instructor creates a course, imports a
 * roster and makes an assignment from "How CNNs see" (occlusion, neurons, gradient ascent) that was due yesterday,
 * with late work accepted at a penalty and an extension for Ada. Ada (the server computes for her) and Alan (his
 * browser or, past its check's budget, the server) arrive by set-password links; the server decides that Ada is on time and Alan late. Ada's caption
 * draft survives a reload. The instructor grades the caption by hand, releases the grades and exports the CSV; Ada
 * sees her grade and the feedback. Screenshots for the README: the course page, the student's assignment, the
 * grading view and the gradebook.
 */
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { dragThrough, instructorContext } from './support';

const FIRST_VISIT = { timeout: 90_000 };
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const ROSTER = 'name,email,student_id\nAda Lovelace,ada@assign.example.org,S1\nAlan Turing,alan@assign.example.org,S2\n';
const FEEDBACK = 'A clear caption: it names the texture.';

/** A local date-time field's value for `ms` (the browser's zone is the runner's). */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A viewport-sized screenshot of the top of the page (for the README). */
async function shot(page: Page, path: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path });
}

/** A student who sets their password through the link and lands on their home page. */
async function studentFromLink(browser: Browser, link: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(new URL(link).pathname);
  await page.getByLabel('New password').fill('correct horse battery', FIRST_VISIT);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(page).toHaveURL(/\/home$/, FIRST_VISIT);
  return page;
}

/**
 * Waits for the lab's first result. The compute service starts on the first job (worker threads loading tfjs on a
 * busy machine): a job that waited past its ack says "Try again", as a student would, press it.
 */
async function computed(page: Page, value: Locator) {
  const retry = page.getByRole('button', { name: 'Try again' });
  await expect(async () => {
    if (await retry.isVisible()) await retry.click();
    await expect(value).toContainText('%', { timeout: 5_000 });
  }).toPass({ timeout: 150_000 });
}

/** Draws a mask on the open occlusion step and submits it. */
async function submitMask(page: Page) {
  const lab = page.getByTestId('lab-occlusion');
  await computed(page, lab.getByTestId('prob-without-mask'));
  await dragThrough(page, lab.getByTestId('occlusion-canvas'), [[0.3, 0.3], [0.55, 0.5], [0.7, 0.7]]);
  await expect(lab.getByTestId('prob-with-mask')).toContainText('%', { timeout: 90_000 });
  await lab.getByRole('button', { name: /^Submit masks/ }).click();
  await expect(page.getByTestId('my-attempts').getByTestId('attempt')).toHaveCount(1, { timeout: 60_000 });
}

test('an assignment: two students submit, on time and late by the server; the instructor grades, releases and exports', async ({ browser }) => {
  test.setTimeout(600_000);
  const teacherContext = await instructorContext(browser, 'Grace Hopper');
  const teacher = await teacherContext.newPage();

  // The course, its roster and the set-password links.
  await teacher.goto('/courses');
  await teacher.getByLabel('New course').fill('CS 231 — graded labs', FIRST_VISIT);
  await teacher.getByRole('button', { name: 'Create course' }).click();
  await expect(teacher.getByRole('heading', { name: 'CS 231 — graded labs' })).toBeVisible(FIRST_VISIT);
  const courseId = teacher.url().split('/').pop()!;
  await teacher.getByLabel('Roster', { exact: true }).fill(ROSTER);
  await teacher.getByRole('button', { name: 'Import' }).click();
  await expect(teacher.getByTestId('member-row')).toHaveCount(3);
  const links: Record<string, string> = {};
  for (const [who, name] of [['ada', 'Ada Lovelace'], ['alan', 'Alan Turing']] as const) {
    await teacher.locator(`[data-testid="member-row"][data-email="${who}@assign.example.org"]`).getByRole('button', { name: 'Set-password link' }).click();
    // The link shown is this student's (not the one shown a moment ago).
    await expect(teacher.getByText(`One-time link for ${name}`)).toBeVisible();
    links[who] = await teacher.getByTestId('password-link').inputValue();
  }
  expect(links.ada).not.toBe(links.alan);

  // The assignment: one occlusion step, the neuron step and the ascent step; due yesterday, late work at a penalty.
  await teacher.getByLabel('Title', { exact: true }).fill('Lab 1: how CNNs see');
  await teacher.getByLabel('Opens (your time zone)').fill(localInput(Date.now() - 3 * DAY));
  // Due 22 hours ago: a submission in the next two hours is one started day late.
  await teacher.getByLabel('Due (your time zone)').fill(localInput(Date.now() - DAY + 2 * HOUR));
  for (const extra of ['Occlusion 2/3', 'Occlusion 3/3']) await teacher.getByLabel(new RegExp(extra)).uncheck();
  await teacher.getByRole('button', { name: 'Create assignment' }).click();
  await expect(teacher.getByRole('link', { name: /Lab 1: how CNNs see/ })).toBeVisible();
  // The course page where its assignments are listed.
  await teacher.getByRole('heading', { name: 'Assignments', exact: true }).evaluate((h) => h.scrollIntoView({ block: 'start' }));
  await teacher.screenshot({ path: 'docs/assignment-course.png' });

  const { assignments } = await (await teacher.request.get(`/api/courses/${courseId}/assignments`)).json();
  const assignment = assignments[0] as { id: string; steps: { id: string; title: string; labId: string }[] };
  expect(assignment.steps.map((s) => s.labId)).toEqual(['occlusion', 'neuron', 'ascent']);
  const { course } = await (await teacher.request.get(`/api/courses/${courseId}`)).json();
  const adaId = course.members.find((m: { email: string }) => m.email === 'ada@assign.example.org').accountId as string;
  // Ada's extension: two more days (the server's clock decides against it).
  const extended = await teacher.request.post(`/api/assignments/${assignment.id}/extensions`, { data: { accountId: adaId, dueAt: new Date(Date.now() + 2 * DAY).toISOString() } });
  expect(extended.status()).toBe(200);
  const [occlusion, neuron] = assignment.steps;

  // Ada: on time by her extension; the server computes for her.
  const ada = await studentFromLink(browser, links.ada!);
  await expect(ada.getByTestId('home-assignment')).toContainText('Lab 1: how CNNs see');
  await expect(ada.getByTestId('home-assignment')).toContainText('(your extension)');
  await ada.goto(`/assignments/${assignment.id}?step=${occlusion!.id}&compute=server`);
  await expect(ada.getByTestId('submit-window')).toHaveAttribute('data-status', 'on-time', FIRST_VISIT);
  await expect(ada.getByTestId('due')).toContainText('your extension');
  await submitMask(ada);
  await expect(ada.getByTestId('attempt')).toContainText('on time');
  await expect(ada.getByTestId(`attempts-${occlusion!.id}`)).toContainText('1 of 3 attempts used (2 left)');
  await expect(ada.getByTestId('lab-occlusion').getByTestId('computed-where').first()).toHaveAttribute('data-where', 'server');

  // The neuron step: the caption is a draft that survives a reload, then the pick goes in.
  await ada.getByRole('button', { name: /From a neuron back to the pixels/ }).click();
  const lab = ada.getByTestId('lab-neuron');
  await lab.getByLabel('Caption').fill('textured fur');
  await expect(ada.getByTestId('draft-status')).toContainText('Draft saved', { timeout: 15_000 });
  await ada.reload();
  await expect(ada.getByTestId('lab-neuron').getByLabel('Caption')).toHaveValue('textured fur', FIRST_VISIT);
  for (const method of ['vanilla', 'guided', 'deconvnet']) await expect(lab.getByTestId(`method-image-${method}`)).toBeVisible({ timeout: 180_000 });
  await lab.getByRole('button', { name: /^Submit pick/ }).click();
  await expect(ada.getByTestId('my-attempts').getByTestId('attempt')).toHaveCount(1, { timeout: 60_000 });
  await shot(ada, 'docs/assignment-student.png');

  // Alan: no extension, so late — one started day, −10 % — whatever his browser believes.
  const alan = await studentFromLink(browser, links.alan!);
  // "Automatic": this browser if its check passes in time, else the class server.
  await alan.goto(`/assignments/${assignment.id}?step=${occlusion!.id}&compute=auto`);
  await expect(alan.getByTestId('submit-window')).toHaveAttribute('data-status', 'late', FIRST_VISIT);
  await submitMask(alan);
  await expect(alan.getByTestId('attempt')).toContainText('1 day late (−10 %)');

  // The instructor grades Ada's caption by hand, releases the grades and exports the CSV.
  await teacher.goto(`/courses/${courseId}/assignments/${assignment.id}`);
  await expect(teacher.getByRole('table')).toBeVisible(FIRST_VISIT);
  await shot(teacher, 'docs/assignment-gradebook.png');
  const adaRow = teacher.getByRole('row', { name: /Ada Lovelace/ });
  await adaRow.getByRole('button', { name: "Open Ada Lovelace's submission" }).nth(1).click();
  await expect(teacher.getByText('“textured fur”')).toBeVisible();
  await teacher.getByLabel(/The caption says what the neuron responds to/).fill('2');
  await teacher.getByLabel('Feedback').fill(FEEDBACK);
  await teacher.getByRole('button', { name: 'Save grade' }).click();
  await expect(adaRow).toContainText('hand 2');
  await teacher.getByRole('heading', { name: /From a neuron back to the pixels — attempt 1/ }).scrollIntoViewIfNeeded();
  await teacher.screenshot({ path: 'docs/assignment-grading.png' });
  await teacher.getByRole('button', { name: 'Release grades' }).click();
  await expect(teacher.getByRole('status').filter({ hasText: 'Grades released' })).toBeVisible();

  const csv = await teacher.request.get(`/api/assignments/${assignment.id}/gradebook.csv`);
  const text = await csv.text();
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const lines = text.slice(1).trim().split(/\r?\n/);
  expect(lines[0]).toContain('From a neuron back to the pixels');
  expect(lines.find((l) => l.includes('ada@assign.example.org'))).toMatch(/Ada Lovelace/);
  expect(lines.find((l) => l.includes('alan@assign.example.org'))).toMatch(/Alan Turing/);
  expect(lines).toHaveLength(3);

  // Ada sees her grade and the feedback, on the assignment and on her home page.
  await ada.goto(`/assignments/${assignment.id}?step=${neuron!.id}`);
  await expect(ada.getByTestId('attempt-grade')).toContainText(`Feedback: “${FEEDBACK}”`, FIRST_VISIT);
  await expect(ada.getByTestId('attempt-grade')).toContainText('The caption says what the neuron responds to: 2 of 2');
  await ada.goto('/home');
  await expect(ada.getByTestId('home-grade')).toBeVisible(FIRST_VISIT);
  await expect(ada.getByTestId('home-feedback')).toContainText(FEEDBACK);
  await Promise.all([teacherContext.close(), ada.context().close(), alan.context().close()]);
});
