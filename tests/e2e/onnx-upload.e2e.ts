/**
 * An instructor brings their own network: uploads ../shared/models/onnx/squeezenet1_1.onnx from the dashboard with
 * torchvision's preprocessing and the ImageNet classes, builds a session with an occlusion lab on it in the lesson
 * editor, and a student runs the lab computing in their own browser (the model fetched from the server, WebAssembly),
 * submits masks, and the instructor sees the submission. Screenshots land in artifacts/e2e/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { dragThrough, instructorContext, joinAsStudent, snap } from './support';

const ONNX = join(process.env.CONVLAB_MODELS_DIR ?? join(process.cwd(), '..', 'shared', 'models'), 'onnx');
const SQUEEZENET = join(ONNX, 'squeezenet1_1.onnx');
/** 14 MB: over the 10 MB the e2e server lets laptops compute on (CONVLAB_BROWSER_MODEL_MAX_MB in playwright.config.ts). */
const MOBILENET_V2 = join(ONNX, 'mobilenet_v2.onnx');

test.setTimeout(8 * 60_000);

test('an uploaded ONNX model: dashboard upload, a session on it, a student runs the occlusion lab', async ({ browser }, testInfo) => {
  // The reference exports come with ../shared (CI has them): a missing one fails here rather than skipping the test.
  for (const file of [SQUEEZENET, MOBILENET_V2]) expect(existsSync(file), `${file} (the ONNX exports in ../shared/models/onnx)`).toBe(true);
  const teacherContext = await instructorContext(browser);
  const teacher = await teacherContext.newPage();

  await test.step('the instructor uploads squeezenet1_1.onnx with torchvision defaults', async () => {
    await teacher.goto('/dashboard');
    const form = teacher.getByRole('form', { name: 'Upload an ONNX model' });
    await form.getByLabel('ONNX file').setInputFiles(SQUEEZENET);
    await expect(form.getByLabel('Name in the model lists')).toHaveValue('squeezenet1 1');
    await form.getByLabel('Name in the model lists').fill('SqueezeNet 1.1 (my export)');
    await expect(form.getByLabel('Mean R')).toHaveValue('0.485');
    await expect(form.getByLabel('Std B')).toHaveValue('0.225');
    await expect(form.getByLabel('ImageNet, 1000 classes')).toBeChecked();
    await form.getByRole('button', { name: 'Upload model' }).click();
    // "already here" when this server kept it from an earlier run (CONVLAB_E2E_BASE_URL).
    await expect(form.getByRole('status')).toContainText(/SqueezeNet 1\.1 \(my export\) is (ready|already here): 224×224 input, 1000 classes/, { timeout: 120_000 });
    await expect(teacher.getByRole('list', { name: 'Uploaded models' })).toContainText('SqueezeNet 1.1 (my export)');

    // A second one, too large for laptops: the dashboard says the server computes it.
    await form.getByLabel('ONNX file').setInputFiles(MOBILENET_V2);
    await form.getByLabel('Name in the model lists').fill('MobileNet v2 (random weights)');
    await form.getByRole('button', { name: 'Upload model' }).click();
    await expect(form.getByRole('status')).toContainText('too large for laptops, so the class server computes it', { timeout: 120_000 });
    await expect(teacher.getByRole('list', { name: 'Uploaded models' }).getByRole('listitem').filter({ hasText: 'MobileNet v2' })).toContainText('server only');
    await snap(teacher, 'onnx-upload-dashboard', testInfo, true);
  });

  await test.step('a session with an occlusion lab on the uploaded model', async () => {
    await teacher.getByRole('link', { name: /New session/ }).first().click();
    await teacher.getByLabel('Session title').fill('Bring your own network');
    await teacher.getByRole('listitem', { name: 'Step 1' }).getByLabel('Title').fill('Welcome');
    await teacher.getByRole('button', { name: /Add lab/ }).click();
    await teacher.getByRole('region', { name: 'Choose a lab' }).getByRole('button', { name: /^Occlusion/ }).click();
    const lab = teacher.getByRole('listitem', { name: 'Step 2' });
    await lab.getByLabel('Title').fill('Occlusion on my SqueezeNet');
    const model = lab.getByLabel('Model', { exact: true });
    // The label ends with the model's speed (its server time is measured, so it varies): choose by the option itself.
    const mine = model.getByRole('option', { name: /^SqueezeNet 1\.1 \(my export\) — 224×224, 1000 classes, uploaded, fast on a laptop/ });
    await expect(mine).toHaveCount(1);
    await model.selectOption((await mine.getAttribute('value'))!);
    await snap(teacher, 'onnx-upload-lesson-editor', testInfo, true);
    await teacher.getByRole('button', { name: /Add lab/ }).click();
    await teacher.getByRole('region', { name: 'Choose a lab' }).getByRole('button', { name: /^Occlusion/ }).click();
    const big = teacher.getByRole('listitem', { name: 'Step 3' });
    await big.getByLabel('Title').fill('Occlusion on MobileNet v2');
    const bigModel = big.getByLabel('Model', { exact: true });
    const serverOnly = bigModel.getByRole('option', { name: /^MobileNet v2 \(random weights\) — 224×224, 1000 classes, uploaded, server only/ });
    await expect(serverOnly).toHaveCount(1);
    await bigModel.selectOption((await serverOnly.getAttribute('value'))!);
    await teacher.getByRole('button', { name: 'Create session' }).click();
    await expect(teacher).toHaveURL(/\/teach\/[^/]+$/, { timeout: 30_000 });
  });
  const code = ((await teacher.getByTestId('join-code').textContent()) ?? '').replace(/\s/g, '');
  // WebAssembly in the browser: quick without a GPU (webgl on an ONNX model is nets' webgl.browser.test.ts).
  const student = await joinAsStudent(browser, code, 'Ada', '?compute=browser&backend=wasm');

  await test.step('the student draws a mask on the uploaded model in their browser and submits it', async () => {
    await teacher.getByRole('navigation', { name: 'Go to step' }).getByRole('button', { name: /Occlusion on my SqueezeNet/ }).click();
    const { page } = student;
    const lab = page.getByTestId('lab-occlusion');
    await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 180_000 });
    await dragThrough(page, lab.getByTestId('occlusion-canvas'), [[0.35, 0.25], [0.6, 0.45], [0.75, 0.6]]);
    await expect(lab.getByTestId('prob-with-mask')).toContainText('%', { timeout: 120_000 });
    await expect(lab.getByTestId('computed-where').first()).toHaveAttribute('data-where', 'browser');
    await lab.getByRole('button', { name: /^Submit masks/ }).click();
    await expect(page.getByTestId('submitted-notice')).toBeVisible({ timeout: 60_000 });
    await snap(page, 'onnx-upload-occlusion-student', testInfo, true);
  });

  await test.step("the instructor sees the student's submission", async () => {
    const panel = teacher.getByTestId('lab-occlusion');
    await expect(panel.getByTestId('submission-card').filter({ hasText: 'Ada' })).toBeVisible({ timeout: 60_000 });
    await snap(teacher, 'onnx-upload-occlusion-instructor', testInfo, true);
  });

  await test.step('on the server-only model the class server computes, though the student chose this laptop, and the lab says why', async () => {
    await teacher.getByRole('navigation', { name: 'Go to step' }).getByRole('button', { name: /Occlusion on MobileNet v2/ }).click();
    const { page } = student;
    const lab = page.getByTestId('lab-occlusion');
    await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 120_000 });
    await expect(lab.getByTestId('computed-where').first()).toHaveAttribute('data-where', 'server');
    await snap(page, 'onnx-upload-server-only-student', testInfo, true);
    await expect(page.getByText(/MobileNet v2 \(random weights\) \(13 MB\) is too large for laptops: the class server computes it/)).toBeVisible();
  });
});
