/**
 * Preparing a lecture as a new instructor would: a lesson built over two visits (a reload between), a lab step
 * previewed without a session, a session started from the lesson, the lesson edited afterwards while the session
 * keeps its snapshot; the same building done from the keyboard alone; and each lab's student view on a 390-pixel
 * phone without horizontal scrolling. Screenshots of the library, the editor and the preview go to artifacts/e2e/.
 */
import { expect, test, type Page } from '@playwright/test';
import { instructorContext, joinAsStudent, snap } from './support';

// Dev mode (CONVLAB_E2E_DEV=1) compiles each page on first use; on a busy machine that alone takes minutes.
test.setTimeout(600_000);
test.beforeAll(async ({ request }) => {
  test.setTimeout(900_000);
  for (const path of ['/dashboard', '/dashboard/lessons/warm-up-page', '/teach/warm-up', '/join/WARMUP', '/s/WARMUP']) {
    await request.get(path, { timeout: 600_000 });
  }
});

const saved = (page: Page) => expect(page.getByTestId('save-state')).toHaveText(/^All changes saved/, { timeout: 30_000 });

test('a lesson built over two visits, previewed, taught, then fixed without touching the session', async ({ browser }, testInfo) => {
  const context = await instructorContext(browser);
  const page = await context.newPage();
  await page.goto('/dashboard');
  await page.getByRole('button', { name: 'New lesson' }).click();
  await expect(page).toHaveURL(/\/dashboard\/lessons\/lesson-/, { timeout: 60_000 });
  const lessonUrl = page.url();

  await page.getByLabel('Lesson title').fill('Friday prep');
  const first = page.getByRole('listitem', { name: 'Step 1' });
  await first.getByLabel('Title').fill('Welcome');
  await first.getByLabel(/^Text/).fill('| layer | size |\n|---|---|\n| conv1 | 111×111 |\n\nThe score: $S_c(I) = w^T I + b$');
  await saved(page);
  await expect(page).toHaveTitle('Friday prep — lesson editor · ConvLab');

  // The second visit: everything is there.
  await page.reload();
  await expect(page.getByLabel('Lesson title')).toHaveValue('Friday prep');
  await expect(first.getByLabel('Title')).toHaveValue('Welcome');

  // A lab step, inserted after the slide, with instructions written from its settings.
  await page.getByRole('button', { name: 'Add lab…' }).click();
  await page.getByRole('button', { name: /^Occlusion/ }).click();
  const lab = page.getByRole('listitem', { name: 'Step 2' });
  await lab.getByLabel(/^Instructions/).fill('Hide parts of the photo with {{fill}} masks; the sweep uses a {{window}}-pixel window.');
  await saved(page);
  await snap(page, 'lessons-editor', testInfo, true);

  // The slide previews as it renders (a table and typeset math); the lab runs as a student sees it, with no session.
  await first.getByRole('button', { name: 'Preview' }).click();
  await expect(first.getByRole('table')).toBeVisible();
  await expect(first.locator('.katex').first()).toBeVisible();
  await lab.getByRole('button', { name: 'Preview' }).click();
  await expect(lab.getByTestId('lab-preview')).toBeVisible();
  await expect(lab.getByTestId('lab-occlusion')).toBeVisible({ timeout: 60_000 });
  await expect(lab.getByText('Hide parts of the photo with grey masks; the sweep uses a 48-pixel window.')).toBeVisible();
  await lab.scrollIntoViewIfNeeded();
  await snap(page, 'lessons-preview', testInfo);
  const sessionsBefore = (await (await page.request.get('/api/sessions')).json()).sessions.length;
  expect(sessionsBefore).toBe(0);

  // The library lists it, ready to teach; start a session from it.
  await page.goto('/dashboard');
  const entry = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Friday prep' }) });
  await expect(entry).toContainText('2 steps (1 lab)');
  await snap(page, 'lessons-library', testInfo, true);
  await entry.getByRole('button', { name: 'Start' }).click();
  await expect(page).toHaveURL(/\/teach\//, { timeout: 60_000 });
  const sessionId = page.url().split('/teach/')[1]!.split(/[/?#]/)[0]!;

  // A typo fixed afterwards reaches the lesson, not the session.
  await page.goto(lessonUrl);
  await page.getByRole('listitem', { name: 'Step 1' }).getByLabel('Title').fill('Welcome, everyone');
  await saved(page);
  const session = (await (await page.request.get(`/api/sessions/${sessionId}`)).json()).session;
  expect(session.steps.map((s: { title: string }) => s.title)).toEqual(['Welcome', 'Occlusion']);
  const lesson = (await (await page.request.get(`/api/library/${lessonUrl.split('/').pop()}`)).json()).lesson;
  expect(lesson.steps[0].title).toBe('Welcome, everyone');
  await context.close();
});

test('a lesson built with the keyboard alone', async ({ browser }) => {
  const context = await instructorContext(browser);
  const page = await context.newPage();
  await page.goto('/dashboard');
  const newLesson = page.getByRole('button', { name: 'New lesson' });
  await expect(newLesson).toBeEnabled(); // once the account is known
  await newLesson.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/dashboard\/lessons\/lesson-/, { timeout: 60_000 });
  await page.getByLabel('Lesson title').focus();
  await page.keyboard.type('Keyboard lesson');
  await page.keyboard.press('Tab');
  // Tab through the first step's buttons to its title field.
  const title = page.getByRole('listitem', { name: 'Step 1' }).getByLabel('Title');
  for (let i = 0; i < 12 && !(await title.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(title).toBeFocused();
  await page.keyboard.type('Only keys');
  // Starting with a problem moves focus to it: here an untitled second slide.
  const addSlide = page.getByRole('button', { name: 'Add slide' });
  await addSlide.focus();
  await page.keyboard.press('Enter');
  const second = page.getByRole('listitem', { name: 'Step 2' }).getByLabel('Title');
  await expect(second).toBeFocused();
  await page.getByRole('button', { name: 'Start a session' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('This lesson cannot be taught yet')).toBeVisible();
  await expect(second).toBeFocused();
  await expect(page.getByText('Every step needs a title.')).toBeVisible();
  await page.keyboard.type('Second');
  await saved(page);
  await page.getByRole('button', { name: 'Start a session' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/teach\//, { timeout: 60_000 });
  await context.close();
});

test('each lab fits a 390-pixel phone without horizontal scrolling', async ({ browser }, testInfo) => {
  const context = await instructorContext(browser);
  const started = await context.request.post('/api/library/ready:how-cnns-see/start');
  expect(started.ok(), await started.text()).toBe(true);
  const { id, code, steps } = (await started.json()).session as { id: string; code: string; steps: { kind: string; labId?: string }[] };
  const teacher = await context.newPage();
  await teacher.goto(`/teach/${id}`);
  const student = await joinAsStudent(browser, code, 'Phone');
  await student.page.setViewportSize({ width: 390, height: 844 });
  const seen = new Set<string>();
  for (let i = 0; i < steps.length; i++) {
    const labId = steps[i]!.labId;
    if (steps[i]!.kind === 'lab' && labId && !seen.has(labId)) {
      seen.add(labId);
      await expect(student.page.getByTestId(`lab-${labId}`)).toBeVisible({ timeout: 60_000 });
      await student.page.waitForTimeout(1500); // images and panels settle
      const width = await student.page.evaluate(() => document.documentElement.scrollWidth);
      await snap(student.page, `phone-${labId}`, testInfo, true);
      expect(width, `${labId}: the page is ${width} px wide on a 390 px screen`).toBeLessThanOrEqual(390);
    }
    if (i < steps.length - 1) await teacher.getByRole('button', { name: 'Next', exact: true }).click();
  }
  // Every lab of the lesson was measured (the ready-made lesson grows as labs are added).
  expect([...seen].sort()).toEqual([...new Set(steps.flatMap((s) => (s.kind === 'lab' && s.labId ? [s.labId] : [])))].sort());
  await context.close();
  await student.context.close();
});
