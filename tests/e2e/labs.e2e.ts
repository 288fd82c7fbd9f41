/**
 * The three labs end to end, as a class would run them: an instructor starts the ready-made "How CNNs see" lesson
 * from the dashboard; two students join, one computing in their own browser (WebGL through SwiftShader), the other
 * forced to the compute server (`?compute=server`). Both submit in the occlusion, neuron and gradient-ascent labs;
 * the instructor's panels show both submissions with where each was computed, the class map and the ascent gallery
 * render, and the class "sweep together" heatmap completes although one student closes their tab halfway.
 * Screenshots of each lab's student and instructor views land in artifacts/e2e/.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SWIFTSHADER_LAUNCH, dragThrough, instructorContext, joinAsStudent, snap } from './support';

test.use({ launchOptions: SWIFTSHADER_LAUNCH });
// Real models in three browsers on a small machine: generous, but each wait below has its own bound.
test.setTimeout(12 * 60_000);

const LOCAL = 'Ana';
const REMOTE = 'Ben';

async function gotoStep(teacher: Page, title: RegExp) {
  await teacher.getByRole('navigation', { name: 'Go to step' }).getByRole('button', { name: title }).click();
}

/** The submission card of a student in an instructor panel, and the place it says it was computed. */
function cardOf(panel: Locator, author: string): Locator {
  return panel.getByTestId('submission-card').filter({ has: panel.page().getByTestId('submission-author').getByText(author, { exact: true }) });
}

async function expectComputedWhere(panel: Locator, author: string, where: 'browser' | 'server') {
  await expect(cardOf(panel, author).getByTestId('computed-where')).toHaveAttribute('data-where', where, { timeout: 60_000 });
}

async function expectSubmitted(page: Page) {
  await expect(page.getByTestId('submitted-notice')).toBeVisible({ timeout: 30_000 });
}

test('a class runs the three labs: local and server students submit, the instructor sees it all', async ({ browser }, testInfo) => {
  const teacherContext = await instructorContext(browser);
  const teacher = await teacherContext.newPage();

  await test.step('the instructor starts "How CNNs see" from the dashboard', async () => {
    await teacher.goto('/dashboard');
    await teacher.getByRole('button', { name: /Start .*How CNNs see/ }).click();
    await expect(teacher).toHaveURL(/\/teach\/[^/]+$/, { timeout: 30_000 });
  });
  const code = ((await teacher.getByTestId('join-code').textContent()) ?? '').replace(/\s/g, '');
  expect(code).toMatch(/^[A-Z0-9]{6}$/);

  const local = await joinAsStudent(browser, code, LOCAL, '?compute=browser');
  let remote = await joinAsStudent(browser, code, REMOTE, '?compute=server');

  await test.step('occlusion: both students draw a mask and submit it', async () => {
    await gotoStep(teacher, /Occlusion 1\/3/);
    for (const { page } of [local, remote]) {
      const lab = page.getByTestId('lab-occlusion');
      await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 90_000 });
      await dragThrough(page, lab.getByTestId('occlusion-canvas'), [[0.3, 0.3], [0.55, 0.5], [0.7, 0.7]]);
      await expect(lab.getByTestId('prob-with-mask')).toContainText('%', { timeout: 90_000 });
      await lab.getByRole('button', { name: /^Submit masks/ }).click();
      await expectSubmitted(page);
    }
    // The same job, computed in a browser and on the server, gives the same probability (to display precision).
    const percent = async (page: Page) => Number(((await page.getByTestId('prob-without-mask').textContent()) ?? '').match(/([\d.]+)%/)?.[1]);
    const [here, there] = [await percent(local.page), await percent(remote.page)];
    expect(here).toBeGreaterThan(0);
    expect(Math.abs(here - there)).toBeLessThanOrEqual(0.2);
    await expect(local.page.getByTestId('lab-occlusion').getByTestId('computed-where').first()).toHaveAttribute('data-where', 'browser');
    await expect(remote.page.getByTestId('lab-occlusion').getByTestId('computed-where').first()).toHaveAttribute('data-where', 'server');
    await snap(local.page, 'lab-occlusion-student', testInfo, true);

    const panel = teacher.getByTestId('lab-occlusion');
    await expectComputedWhere(panel, LOCAL, 'browser');
    await expectComputedWhere(panel, REMOTE, 'server');
    const classMap = panel.getByTestId('class-map');
    await expect(classMap).toBeVisible();
    await expect(classMap).toContainText('2 students');
    await expect(panel.getByTestId('color-legend').first()).toBeVisible();
    await snap(teacher, 'lab-occlusion-instructor', testInfo, true);

    // The class map goes up on the projector's present view.
    await panel.getByRole('region', { name: /Class map/ }).getByRole('button', { name: 'Present' }).click();
    const projector = await teacherContext.newPage();
    await projector.setViewportSize({ width: 1920, height: 1080 });
    await projector.goto(`${new URL(teacher.url()).pathname}/present`);
    await expect(projector.getByTestId('present-caption')).toContainText(/class view|Class map/i);
    await expect(projector.getByTestId('present-main').getByTestId('color-legend')).toBeVisible();
    await snap(projector, 'lab-occlusion-present', testInfo);
    await projector.close();
  });

  await test.step('sweep together completes although a student closes the tab halfway', async () => {
    const panel = teacher.getByTestId('lab-occlusion');
    await panel.getByRole('button', { name: 'Sweep together' }).click();
    const heat = panel.getByTestId('sweep-heatmap');
    await expect(heat).toHaveAttribute('data-progress', /^\d+\/\d+$/, { timeout: 30_000 });
    // Ben leaves with shards still dealt to him: the server must take them over.
    await remote.page.close();
    await expect(panel.getByText('Sweep complete')).toBeVisible({ timeout: 120_000 });
    const [done, total] = ((await heat.getAttribute('data-progress')) ?? '').split('/').map(Number);
    expect(total).toBeGreaterThan(1);
    expect(done).toBe(total);
    await expect(local.page.getByTestId('sweep-heatmap')).toBeVisible();
    await snap(teacher, 'lab-occlusion-sweep-instructor', testInfo, true);
    await snap(local.page, 'lab-occlusion-sweep-student', testInfo, true);
    // Ben comes back to the same seat for the next labs.
    const page = await remote.context.newPage();
    await page.goto(`/s/${code}?compute=server`);
    await expect(page.getByTestId('me-name')).toHaveText(REMOTE);
    remote = { context: remote.context, page };
  });

  await test.step('neurons to pixels: both students pick a neuron and submit it with a caption', async () => {
    await gotoStep(teacher, /From a neuron back to the pixels/);
    for (const [{ page }, caption] of [
      [local, 'textured fur'],
      [remote, 'round shapes'],
    ] as const) {
      const lab = page.getByTestId('lab-neuron');
      for (const method of ['vanilla', 'guided', 'deconvnet']) {
        await expect(lab.getByTestId(`method-image-${method}`)).toBeVisible({ timeout: 180_000 });
      }
      await lab.getByLabel('Caption').fill(caption);
      await lab.getByRole('button', { name: /^Submit pick/ }).click();
      await expectSubmitted(page);
    }
    await snap(local.page, 'lab-neuron-student', testInfo, true);
    const panel = teacher.getByTestId('lab-neuron');
    const gallery = panel.getByTestId('gallery-by-layer');
    await expect(gallery.getByTestId('submission-card')).toHaveCount(2, { timeout: 30_000 });
    await expectComputedWhere(panel, LOCAL, 'browser');
    await expectComputedWhere(panel, REMOTE, 'server');
    await expect(gallery).toContainText('textured fur');
    await snap(teacher, 'lab-neuron-instructor', testInfo, true);
  });

  await test.step('gradient ascent: λ handed out, both students run a short ascent and submit the image', async () => {
    await gotoStep(teacher, /What does the network think/);
    const panel = teacher.getByTestId('lab-ascent');
    await panel.getByRole('button', { name: 'Hand out λ' }).click();
    for (const { page } of [local, remote]) {
      const lab = page.getByTestId('lab-ascent');
      await expect(lab.getByText(/Your λ/)).toBeVisible({ timeout: 30_000 });
      await lab.getByLabel('Steps', { exact: true }).fill('4');
      await lab.getByRole('button', { name: 'Run', exact: true }).click();
      await expect(lab.getByTestId('ascent-image')).toBeVisible({ timeout: 180_000 });
      await expect(lab.getByRole('button', { name: /^Submit image/ })).toBeEnabled({ timeout: 180_000 });
      await expect(lab.getByTestId('ascent-score')).toHaveText(/\d/);
      await lab.getByRole('button', { name: /^Submit image/ }).click();
      await expectSubmitted(page);
    }
    await snap(local.page, 'lab-ascent-student', testInfo, true);
    await expectComputedWhere(panel, LOCAL, 'browser');
    await expectComputedWhere(panel, REMOTE, 'server');
    const gallery = panel.getByTestId('ascent-gallery');
    await expect(gallery.getByTestId('submission-card')).toHaveCount(2);
    await expect(gallery.getByRole('heading', { name: 'dumbbell' })).toBeVisible();
    await expect(gallery.locator('img').first()).toHaveJSProperty('complete', true);
    await expect(panel.getByTestId('lambda-grid')).toBeVisible();
    await snap(teacher, 'lab-ascent-instructor', testInfo, true);
  });

  await test.step('after the session ends, the instructor still finds what the class submitted', async () => {
    await teacher.getByRole('button', { name: 'End session…' }).click();
    await teacher.getByRole('button', { name: 'End session', exact: true }).click();
    const panel = teacher.getByTestId('lab-ascent');
    await expect(panel.getByTestId('lab-archive-note')).toBeVisible();
    await expect(panel.getByTestId('ascent-gallery').getByTestId('submission-card')).toHaveCount(2);
    await expectComputedWhere(panel, REMOTE, 'server');
  });
});
