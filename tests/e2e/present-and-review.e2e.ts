/**
 * What the instructor shows is what they mean, against the real server: "Share with class" puts a student's masks on
 * the other students' screens; the projector hides names unless the instructor shows them, takes →/PageDown from a
 * presenter clicker, and a pin does not outlive its step; once the session ends the instructor's panels stop offering
 * sweep, share and present, and each student reviews their own work (also after a reload).
 */
import { expect, test, type Page } from '@playwright/test';
import { catOcclusionStep, instructorContext, joinAsStudent, snap } from './support';

const STEPS = [
  catOcclusionStep(),
  { kind: 'slide', id: 'wrap', title: 'What did we learn?', markdown: 'The ears matter.' },
];

/** Draws one rectangle and submits it. */
async function submitMask(page: Page): Promise<void> {
  const lab = page.getByTestId('lab-occlusion');
  await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 90_000 });
  const box = (await lab.getByTestId('occlusion-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.65, box.y + box.height * 0.45, { steps: 6 });
  await page.mouse.up();
  const submit = lab.getByRole('button', { name: /^Submit masks/ });
  await expect(submit).toBeEnabled({ timeout: 90_000 });
  await submit.click();
  await expect(page.getByTestId('submitted-notice')).toBeVisible({ timeout: 30_000 });
}

test('share, the projector and the end of the session show what the instructor means', async ({ browser }, testInfo) => {
  const teacherContext = await instructorContext(browser);
  const created = await teacherContext.request.post('/api/sessions', { data: { title: 'Showing work', steps: STEPS } });
  expect(created.ok(), await created.text()).toBe(true);
  const { session } = (await created.json()) as { session: { id: string; code: string } };
  const teacher = await teacherContext.newPage();
  await teacher.goto(`/teach/${session.id}`);
  const ada = await joinAsStudent(browser, session.code, 'Ada Lovelace', '?compute=server');
  const ben = await joinAsStudent(browser, session.code, 'Ben', '?compute=server');
  const panel = teacher.getByTestId('lab-occlusion');
  const adasCard = panel.getByTestId('submission-card').filter({ hasText: 'Ada Lovelace' });
  try {
    await test.step('"Share with class" shows a student\'s masks to the others', async () => {
      await submitMask(ada.page);
      await adasCard.getByRole('button', { name: 'Share with class' }).click();
      const shared = ben.page.getByTestId('shared-work');
      await expect(shared.getByTestId('submission-card')).toHaveCount(1);
      await expect(shared).toContainText('A classmate');
      await expect(shared).not.toContainText('Ada');
      await expect(ada.page.getByTestId('my-work').getByTestId('submission-card')).toHaveCount(1);
      await snap(ben.page, 'occlusion-shared-student', testInfo, true);
    });

    await test.step('the projector: anonymous by default, clicker keys, a pin cleared by the next step', async () => {
      await adasCard.getByRole('button', { name: 'Present' }).click();
      const projector = await teacherContext.newPage();
      await projector.setViewportSize({ width: 1920, height: 1080 });
      await projector.goto(`/teach/${session.id}/present`);
      await expect(projector.getByTestId('present-caption')).toContainText('Hide the cat · a student');
      await expect(projector.getByTestId('present-main')).toContainText('Masks by a student');
      await expect(projector.getByTestId('present-view')).not.toContainText('Ada');
      await snap(projector, 'present-anonymous', testInfo);
      await projector.getByTestId('present-names').click();
      await expect(projector.getByTestId('present-caption')).toContainText('Ada Lovelace');
      await projector.getByTestId('present-names').click();
      await expect(projector.getByTestId('present-caption')).not.toContainText('Ada');

      // A presenter clicker's "next" on the projector moves the class on, and the pin goes with the old step.
      await projector.keyboard.press('PageDown');
      await expect(projector.getByTestId('present-step-counter')).toHaveText('Step 2 / 2');
      await expect(projector.getByTestId('present-caption')).toBeHidden();
      await expect(projector.getByTestId('present-main')).toContainText('What did we learn?');
      await expect(ben.page.getByTestId('student-step-counter')).toHaveText('Step 2 of 2');
      await projector.keyboard.press('ArrowLeft');
      await expect(projector.getByTestId('present-step-counter')).toHaveText('Step 1 / 2');
      await expect(projector.getByTestId('present-caption')).toBeHidden();
      await projector.close();
    });

    await test.step('ended: no sweep, share or present; students review their own work', async () => {
      await teacher.getByRole('button', { name: 'End session…' }).click();
      await teacher.getByRole('group', { name: 'Confirm ending the session' }).getByRole('button', { name: 'End session' }).click();
      await expect(panel.getByTestId('start-sweep')).toBeDisabled();
      await expect(adasCard).toBeVisible();
      await expect(adasCard.getByRole('button', { name: /Share|Unshare|Present/ })).toHaveCount(0);
      await expect(panel.getByTestId('share-gallery')).toHaveCount(0);
      await snap(teacher, 'occlusion-ended-instructor', testInfo, true);

      for (const page of [ada.page, ben.page]) await expect(page.getByTestId('ended-notice')).toBeVisible();
      const review = ada.page.getByTestId('my-work-review');
      await expect(review.getByTestId('my-work').getByTestId('submission-card')).toHaveCount(1);
      // After a reload the live connection refuses the ended session, and the work is still there.
      await ada.page.reload();
      await expect(ada.page.getByTestId('ended-notice')).toBeVisible();
      await expect(review.getByTestId('my-work').getByTestId('submission-card')).toHaveCount(1);
      await snap(ada.page, 'student-ended-review', testInfo, true);
      // Ben submitted nothing himself; he still sees what was shared with the class.
      await expect(ben.page.getByTestId('my-work-review').getByTestId('shared-work').getByTestId('submission-card')).toHaveCount(1);
      await expect(ben.page.getByTestId('my-work-review').getByTestId('my-work')).toHaveCount(0);
    });
  } finally {
    await ada.context.close();
    await ben.context.close();
    await teacherContext.close();
  }
});
