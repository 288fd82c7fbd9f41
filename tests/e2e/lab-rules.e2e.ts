/**
 * The session's rules as a student's lab panel shows them, against the real server: while the instructor locks the
 * controls (or pauses the class) the occlusion lab's drawing surface, its mask tools and Submit are disabled with the
 * reason on screen, and nothing reaches the database; after unlocking the same student submits normally.
 */
import { expect, test, type Page } from '@playwright/test';
import { catOcclusionStep, instructorContext, joinAsStudent, snap } from './support';

const STEP = catOcclusionStep();

/** Drags a rectangle over the middle of the occlusion canvas. */
async function drawRect(page: Page): Promise<void> {
  const box = (await page.getByTestId('occlusion-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 6 });
  await page.mouse.up();
}

test('lock really locks: the student cannot draw, remove or submit, and nothing is stored', async ({ browser }, testInfo) => {
  const teacherContext = await instructorContext(browser);
  const created = await teacherContext.request.post('/api/sessions', { data: { title: 'Rules', steps: [STEP] } });
  expect(created.ok(), await created.text()).toBe(true);
  const { session } = (await created.json()) as { session: { id: string; code: string } };
  const stored = async () => ((await (await teacherContext.request.get(`/api/sessions/${session.id}/submissions`)).json()) as { submissions: unknown[] }).submissions.length;

  const teacher = await teacherContext.newPage();
  await teacher.goto(`/teach/${session.id}`);
  await expect(teacher.getByRole('button', { name: 'Lock students' })).toBeEnabled();
  // The server computes (no WebGL needed): what is under test is the panel, not the compute.
  const { context, page } = await joinAsStudent(browser, session.code, 'Ada', '?compute=server');
  try {
    const lab = page.getByTestId('lab-occlusion');
    await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 90_000 });
    await drawRect(page);
    await expect(lab.getByTestId('mask-row')).toHaveCount(1);
    const submit = lab.getByRole('button', { name: /^Submit masks/ });
    await expect(submit).toBeEnabled({ timeout: 90_000 });

    await test.step('locked: every way to change or submit is disabled, with the reason', async () => {
      await teacher.getByRole('button', { name: 'Lock students' }).click();
      await expect(lab.getByTestId('lab-blocked')).toHaveAttribute('data-reason', 'locked');
      await expect(lab.getByTestId('lab-blocked')).toContainText('locked the controls');
      await expect(submit).toBeDisabled();
      await expect(lab.getByTestId('occlusion-canvas')).toHaveAttribute('aria-disabled', 'true');
      for (const name of ['Rectangle', 'Brush', 'Undo', 'Clear', 'Remove mask 1']) await expect(lab.getByRole('button', { name, exact: true })).toBeDisabled();
      await expect(lab.getByLabel(/Brush size/)).toBeDisabled();
      await expect(lab.getByLabel('Fill hidden parts with')).toBeDisabled();

      // Drawing by mouse and by keyboard adds nothing; a forced click on Submit sends nothing.
      await drawRect(page);
      await lab.getByTestId('occlusion-canvas').focus();
      await page.keyboard.press('Enter');
      await expect(lab.getByTestId('mask-row')).toHaveCount(1);
      await submit.click({ force: true });
      await snap(page, 'lab-locked-student', testInfo, true);
      expect(await stored()).toBe(0);
    });

    await test.step('paused: the same, under the pause screen', async () => {
      await teacher.getByRole('button', { name: 'Unlock students' }).click();
      await expect(submit).toBeEnabled();
      await teacher.getByRole('button', { name: 'Pause all screens' }).click();
      await expect(page.getByTestId('pause-overlay')).toBeVisible();
      await expect(lab.getByTestId('lab-blocked')).toHaveAttribute('data-reason', 'paused');
      await expect(submit).toBeDisabled();
      await teacher.getByRole('button', { name: /Resume/ }).click();
      await expect(page.getByTestId('pause-overlay')).toBeHidden();
    });

    await test.step('unlocked: the same student draws and submits, and it is stored', async () => {
      await expect(lab.getByTestId('lab-blocked')).toBeHidden();
      await drawRect(page);
      await expect(lab.getByTestId('mask-row')).toHaveCount(2);
      await expect(submit).toBeEnabled({ timeout: 90_000 });
      await submit.click();
      await expect(page.getByTestId('submitted-notice')).toBeVisible({ timeout: 30_000 });
      await expect.poll(stored).toBe(1);
    });
  } finally {
    await context.close();
    await teacherContext.close();
  }
});
