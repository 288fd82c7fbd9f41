/**
 * Preparing a lecture as a new instructor would: a lesson built over two visits (a reload between), a lab step
 * previewed without a session, a session started from the lesson, the lesson edited afterwards while the session
 * keeps its snapshot; the same building done from the keyboard alone; and each lab's student view on a 390-pixel
 * phone without horizontal scrolling. Screenshots of the library, the editor and the preview go to artifacts/e2e/.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { dragThrough, instructorContext, joinAsStudent, snap } from './support';

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

test('changing a step’s model refits its settings and says what changed; each model shows its speed', async ({ browser }, testInfo) => {
  const context = await instructorContext(browser);
  const page = await context.newPage();
  const copied = await page.request.post('/api/library', { data: { id: `lesson-models-${Date.now()}`, copyOf: 'ready:how-cnns-see' } });
  expect(copied.ok(), await copied.text()).toBe(true);
  const lessonId = (await copied.json()).lesson.id as string;
  // The first model list starts the server's measurements; a later visit shows the times.
  await page.goto(`/dashboard/lessons/${lessonId}`);
  const neuron = page.getByRole('listitem').filter({ hasText: 'Lab · Neurons to pixels' });
  const model = neuron.getByLabel('Model', { exact: true });
  await expect(model.locator('option', { hasText: 'SqueezeNet 1.1 — 224×224, 1000 classes, fast on a laptop' })).toHaveCount(1, { timeout: 60_000 });
  await expect.poll(async () => (await (await page.request.get('/api/models')).json()).models.find((m: { id: string }) => m.id === 'squeezenet1.1_nchw').speed.serverMs, { timeout: 120_000 }).toBeGreaterThan(0);
  await page.reload();
  await expect(neuron.getByText(/^Speed: fast on a laptop · \d+(\.\d)? ms per image on the server/)).toBeVisible({ timeout: 60_000 });
  // Quantized models are marked and cannot be chosen for a lab that needs gradients.
  await expect(model.locator('option', { hasText: 'not for this lab: quantized, no gradients' }).first()).toBeDisabled();

  await model.selectOption('mobilenet_v1_0.75_224');
  await expect(neuron.getByText('Layer fire9_concat does not exist in MobileNet v1 0.75 (224): set to conv_pw_13_relu.')).toBeVisible();
  await expect(neuron.getByText(/^Layers fire2_concat, .* do not exist in MobileNet v1 0\.75 \(224\): the list is now MobileNet v1 0\.75 \(224\)’s 14 layers\.$/)).toBeVisible();
  await expect(neuron.getByRole('checkbox', { name: 'conv_pw_13_relu (7×7×768)' })).toBeChecked();
  await expect(neuron.getByLabel('Layer', { exact: true })).toHaveValue('conv_pw_13_relu');
  // The ready-made instructions name the step's layer through {{layer}}: nothing in them is left naming fire9_concat.
  await expect(neuron.getByText(/^The instructions still name fire9_concat/)).toHaveCount(0);
  await neuron.getByText('Layer fire9_concat does not exist').scrollIntoViewIfNeeded();
  await saved(page);
  await snap(page, 'lessons-model-change', testInfo);
  await model.scrollIntoViewIfNeeded();
  await snap(page, 'lessons-model-picker', testInfo);

  // Occlusion on SqueezeNet keeps its class, and says so.
  const occlusion = page.getByRole('listitem').filter({ hasText: 'Lab · Occlusion' }).first();
  await occlusion.getByLabel('Model', { exact: true }).selectOption('squeezenet1.1_nchw');
  await expect(occlusion.getByText('Class 780 (schooner) kept.')).toBeVisible();
  // A refused upload leaves the step's photo as it was, and says so.
  await occlusion.getByRole('radio', { name: 'Upload your own' }).check();
  await occlusion.getByLabel('Image file').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
  await expect(occlusion.getByRole('alert').filter({ hasText: /^Not uploaded, the step keeps its image: / })).toBeVisible({ timeout: 30_000 });
  await expect(occlusion.locator('figcaption')).toHaveText('schooner');
  await saved(page);
  // The server agrees: the lesson is ready to teach.
  const lesson = (await (await page.request.get(`/api/library/${lessonId}`)).json()).lesson;
  expect(lesson.problems).toEqual([]);
  expect(lesson.steps.find((s: { labId?: string }) => s.labId === 'neuron').params.pick.layer).toBe('conv_pw_13_relu');
  expect(lesson.steps.find((s: { labId?: string }) => s.labId === 'occlusion').params.image).toEqual({ kind: 'sample', id: 'imagenet-samples/n04147183_schooner.jpg' });
  await context.close();
});

test('instructions that still name the old model’s layer are pointed out when the model changes', async ({ browser }, testInfo) => {
  const context = await instructorContext(browser);
  const page = await context.newPage();
  const copied = await page.request.post('/api/library', { data: { id: `lesson-stale-${Date.now()}`, copyOf: 'ready:how-cnns-see' } });
  expect(copied.ok(), await copied.text()).toBe(true);
  await page.goto(`/dashboard/lessons/${(await copied.json()).lesson.id as string}`);
  const neuron = page.getByRole('listitem').filter({ hasText: 'Lab · Neurons to pixels' });
  const model = neuron.getByLabel('Model', { exact: true });
  await expect(model.locator('option', { hasText: /^MobileNet v1 0\.75 \(224\)/ })).toHaveCount(1, { timeout: 60_000 });
  const instructions = neuron.getByLabel(/^Instructions/);
  // Written by hand: SqueezeNet's last fire module, and conv1_relu, which MobileNet has too.
  await instructions.fill('Pick a channel of fire9_concat, the last fire module, then one of conv1_relu.');
  await model.selectOption('mobilenet_v1_0.75_224');
  const warning = neuron.getByText("The instructions still name fire9_concat, which MobileNet v1 0.75 (224) does not have: reword them, or write {{layer}} and students read the step's layer.");
  await expect(warning).toBeVisible();
  await warning.scrollIntoViewIfNeeded();
  await snap(page, 'lessons-stale-instructions', testInfo);
  // Reworded with {{layer}}: the next change of model finds nothing to point out.
  await instructions.fill('Pick a channel of {{layer}}, then one of conv1_relu.');
  await model.selectOption('squeezenet1.1_nchw');
  await expect(neuron.getByText(/^Layer conv_pw_13_relu does not exist in SqueezeNet 1\.1/)).toBeVisible();
  await expect(neuron.getByText(/^The instructions still name/)).toHaveCount(0);
  await saved(page);
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

/** What a student does first in each lab on a phone: the page must still fit afterwards (occlusion once grew to 457 px). */
const INTERACT: Record<string, (lab: Locator, page: Page) => Promise<void>> = {
  convolution: async (lab) => {
    await lab.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Sobel x', exact: true }).click();
    await lab.getByLabel('kernel row 1, column 1').fill('3');
  },
  pooling: async (lab) => {
    await lab.getByLabel('Your answer').fill('12.5');
  },
  filters: async (lab) => {
    await lab.getByTestId('filter-tiles').first().getByRole('button').nth(3).click();
  },
  'max-patches': async (lab) => {
    const own = lab.getByTestId('patches-own');
    await own.locator('summary').click();
    await own.getByTestId('patches-layer').selectOption('fire5_concat');
    await own.getByTestId('patches-channels').fill('4, 9');
    await own.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(own.getByTestId('patch-grid').first()).toHaveAttribute('data-filled', '9,9', { timeout: 120_000 });
  },
  occlusion: async (lab, page) => {
    await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 90_000 });
    const canvas = lab.getByTestId('occlusion-canvas');
    await canvas.scrollIntoViewIfNeeded();
    for (const y of [0.3, 0.6]) await dragThrough(page, canvas, [[0.2, y], [0.5, y + 0.1], [0.7, y + 0.2]]);
    await expect(lab.getByText('2 of 8 masks')).toBeVisible();
    await expect(lab.getByTestId('prob-with-mask')).toContainText('%', { timeout: 90_000 });
  },
  neuron: async (lab, page) => {
    const map = lab.getByTestId('activation-map');
    await expect(map).toBeVisible({ timeout: 120_000 });
    await map.scrollIntoViewIfNeeded();
    const box = (await map.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await expect(lab.getByTestId('map-position')).toContainText(/\d/);
  },
  ascent: async (lab) => {
    await lab.getByLabel('Steps', { exact: true }).fill('2');
    await lab.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(lab.getByRole('button', { name: /^Submit image/ })).toBeEnabled({ timeout: 120_000 });
  },
};

test('each lab fits a 390-pixel phone without horizontal scrolling, before and after the student works in it', async ({ browser }, testInfo) => {
  const context = await instructorContext(browser);
  const started = await context.request.post('/api/library/ready:how-cnns-see/start');
  expect(started.ok(), await started.text()).toBe(true);
  const { id, code, steps } = (await started.json()).session as { id: string; code: string; steps: { kind: string; labId?: string }[] };
  const teacher = await context.newPage();
  await teacher.goto(`/teach/${id}`);
  // The class server computes (a phone's software WebGL would only make the test slow).
  const student = await joinAsStudent(browser, code, 'Phone', '?compute=server');
  await student.page.setViewportSize({ width: 390, height: 844 });
  const width = () => student.page.evaluate(() => document.documentElement.scrollWidth);
  const seen = new Set<string>();
  for (let i = 0; i < steps.length; i++) {
    const labId = steps[i]!.labId;
    if (steps[i]!.kind === 'lab' && labId && !seen.has(labId)) {
      seen.add(labId);
      const lab = student.page.getByTestId(`lab-${labId}`);
      await expect(lab).toBeVisible({ timeout: 60_000 });
      await student.page.waitForTimeout(1500); // images and panels settle
      const before = await width();
      expect(before, `${labId}: the page is ${before} px wide on a 390 px screen`).toBeLessThanOrEqual(390);
      expect(INTERACT[labId], `no phone interaction for the ${labId} lab`).toBeDefined();
      await INTERACT[labId]!(lab, student.page);
      await student.page.waitForTimeout(1000);
      await snap(student.page, `phone-${labId}`, testInfo, true);
      const after = await width();
      expect(after, `${labId}: after the student's first actions the page is ${after} px wide on a 390 px screen`).toBeLessThanOrEqual(390);
    }
    if (i < steps.length - 1) await teacher.getByRole('button', { name: 'Next', exact: true }).click();
  }
  // Every lab of the lesson was measured (the ready-made lesson grows as labs are added).
  expect([...seen].sort()).toEqual([...new Set(steps.flatMap((s) => (s.kind === 'lab' && s.labId ? [s.labId] : [])))].sort());
  await context.close();
  await student.context.close();
});
