/**
 * Maximally activating patches searched by the class, in headless Chromium: an instructor and two students (one
 * computing in the browser on WebGL through SwiftShader, one on the server) on a max-patches step; the instructor
 * picks a layer and channels and searches together; the crop grids fill in on every screen and the finished search
 * goes up on the projector. Screenshots of the student, instructor and present views land in artifacts/e2e/.
 */
import { expect, test } from '@playwright/test';
import { SWIFTSHADER_LAUNCH, instructorContext, joinAsStudent, snap } from './support';

test.use({ launchOptions: SWIFTSHADER_LAUNCH });
test.setTimeout(6 * 60_000);

/** MobileNet v1 0.25 (quick in SwiftShader): 24 ImageNet samples in 6 shards of 4. */
const STEP = {
  kind: 'lab',
  id: 'patches',
  title: 'Which patches make a neuron fire?',
  markdown: 'Search the photos together.',
  labId: 'max-patches',
  params: {
    model: 'mobilenet_v1_0.25_224',
    layers: ['conv_pw_3_relu', 'conv_pw_7_relu', 'conv_pw_11_relu'],
    layer: 'conv_pw_3_relu',
    channels: [0, 1],
    imageCount: 24,
    shardSize: 4,
    shardTimeoutSeconds: 120,
  },
} as const;

test('an instructor and two students search maximally activating patches together', async ({ browser }, testInfo) => {
  const teacherContext = await instructorContext(browser);
  const created = await teacherContext.request.post('/api/sessions', { data: { title: 'Patches', steps: [STEP] } });
  expect(created.ok(), await created.text()).toBe(true);
  const { session } = (await created.json()) as { session: { id: string; code: string } };
  const teacher = await teacherContext.newPage();
  await teacher.goto(`/teach/${session.id}`);

  const local = await joinAsStudent(browser, session.code, 'Ana', '?compute=browser');
  const remote = await joinAsStudent(browser, session.code, 'Ben', '?compute=server');
  for (const { page } of [local, remote]) await expect(page.getByTestId('patches-student')).toContainText('Waiting for your instructor');

  const panel = teacher.getByTestId('patches-instructor');
  await test.step('the instructor picks a layer and channels and searches together', async () => {
    await panel.getByTestId('patches-layer').selectOption('conv_pw_7_relu');
    await panel.getByTestId('patches-channels').fill('3, 9, 17');
    await panel.getByTestId('start-patches').click();
    await expect(panel.getByRole('status').filter({ hasText: '24 images in 6 shards, dealt to 2 students' })).toBeVisible({ timeout: 60_000 });
  });

  await test.step('the grids fill in on every screen; both laptops computed shards', async () => {
    await expect(panel.getByTestId('patch-status')).toContainText('Search complete', { timeout: 240_000 });
    await expect(panel.getByTestId('patch-grid')).toHaveAttribute('data-filled', '9,9,9');
    for (const { page } of [local, remote]) {
      const mine = page.getByTestId('patches-student');
      await expect(mine.getByTestId('patch-status')).toContainText('Search complete', { timeout: 30_000 });
      await expect(mine.getByTestId('patch-grid')).toHaveAttribute('data-filled', '9,9,9');
      await expect(mine.getByTestId('patch-channel-17').locator('canvas')).toHaveCount(9);
    }
    await expect(local.page.getByTestId('patches-student')).toHaveAttribute('data-shards-done', /^[1-9]/);
    await expect(local.page.getByTestId('patches-student')).toContainText('computed by your browser');
    await expect(remote.page.getByTestId('patches-student')).toContainText('computed by the server for you');
    await snap(local.page, 'lab-max-patches-student', testInfo, true);
    await snap(teacher, 'lab-max-patches-instructor', testInfo, true);
  });

  await test.step('a student tries a layer and channels of their own on 16 photos', async () => {
    const own = remote.page.getByTestId('patches-own');
    await own.locator('summary').click();
    await own.getByTestId('patches-layer').selectOption('conv_pw_11_relu');
    await own.getByTestId('patches-channels').fill('4');
    await own.getByRole('button', { name: 'Search' }).click();
    await expect(own.getByTestId('patch-grid')).toHaveAttribute('data-filled', '9', { timeout: 120_000 });
    await snap(remote.page, 'lab-max-patches-student-own', testInfo, true);
  });

  await test.step('the finished search goes up on the projector', async () => {
    await panel.getByTestId('present-patches').click();
    const projector = await teacherContext.newPage();
    await projector.setViewportSize({ width: 1920, height: 1080 });
    await projector.goto(`/teach/${session.id}/present`);
    const shown = projector.getByTestId('patches-present');
    await expect(shown.getByTestId('patch-grid')).toHaveAttribute('data-filled', '9,9,9', { timeout: 30_000 });
    await snap(projector, 'lab-max-patches-present', testInfo);
  });
});
