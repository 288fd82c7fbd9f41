/**
 * "Automatic" compute never hangs, in headless Chromium against the real server: when the browser's compute is made
 * to hang — the model downloads its Web Worker needs are stalled by the test's request routing, so neither the
 * worker's check nor its job ever answers — the job still finishes, on the class server, within the time budgets
 * (10 s for the check; a job's budget has a 15 s floor), and the lab panel says why in words. The browser computes
 * on wasm (`?backend=wasm`): WebGL here is SwiftShader, which Automatic never prefers to the server anyway.
 */
import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { catOcclusionStep, instructorContext, joinAsStudent, snap } from './support';

/** The lab's model (the probe measures the lesson's own, mobilenet_v1_0.75_224). */
const LAB_MODEL = 'mobilenet_v1_0.25_224';
const PROBE_MODEL = 'mobilenet_v1_0.75_224';

const STEP = catOcclusionStep(LAB_MODEL);

/** A session with the occlusion step; returns its join code. */
async function createSession(teacher: BrowserContext): Promise<string> {
  const created = await teacher.request.post('/api/sessions', { data: { title: 'Fallback', steps: [STEP] } });
  expect(created.ok(), await created.text()).toBe(true);
  return ((await created.json()) as { session: { code: string } }).session.code;
}

/** A student whose browser never gets the files of `model` (the requests stay open: a hang, not an error). */
async function studentWithStalledModel(browser: Browser, code: string, name: string, model: string) {
  return joinAsStudent(browser, code, name, '?backend=wasm&compute=auto', (context) =>
    context.route((url) => url.pathname.startsWith(`/models/${model}/`), () => {
      // Never answered.
    }),
  );
}

test.describe.configure({ mode: 'serial' });

test('Automatic falls back to the server when the browser check hangs', async ({ browser }, testInfo) => {
  const teacher = await instructorContext(browser);
  const code = await createSession(teacher);
  const { context, page } = await studentWithStalledModel(browser, code, 'Ada', PROBE_MODEL);
  try {
    const lab = page.getByTestId('lab-occlusion');
    await expect(lab.getByTestId('compute-status')).toHaveText(/The class server computes for you: checking this browser took longer than 10 s/, { timeout: 60_000 });
    await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 90_000 });
    await expect(lab.getByTestId('computed-where').first()).toHaveAttribute('data-where', 'server');
    await snap(page, 'compute-fallback-probe', testInfo, true);
  } finally {
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    await context.close();
    await teacher.close();
  }
});

test('Automatic falls back to the server when a job hangs in the browser', async ({ browser }, testInfo) => {
  const teacher = await instructorContext(browser);
  const code = await createSession(teacher);
  const { context, page } = await studentWithStalledModel(browser, code, 'Ben', LAB_MODEL);
  try {
    const lab = page.getByTestId('lab-occlusion');
    // The check itself works: wasm, with a measured pass, so the lab's jobs are meant for this browser.
    await expect(lab.getByTestId('compute-status')).toHaveText(/This browser: wasm · \d+ ms per pass/, { timeout: 60_000 });
    // A mask to compute (on a busy machine the photo's first classification may already have gone to the server
    // while the check was late; the masks' job comes after the check either way).
    const box = (await lab.getByTestId('occlusion-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6, { steps: 6 });
    await page.mouse.up();
    // The job's model never arrives: past its budget the job runs on the server, and the panel says why.
    await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 120_000 });
    await expect(lab.getByTestId('prob-with-mask')).toContainText('%', { timeout: 120_000 });
    await expect(lab.getByTestId('computed-where').first()).toHaveAttribute('data-where', 'server');
    await expect(lab.getByTestId('compute-status')).toHaveText(/The class server computes for you: this browser took longer than 15 s on a job/);
    await snap(page, 'compute-fallback-job', testInfo, true);
  } finally {
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    await context.close();
    await teacher.close();
  }
});
