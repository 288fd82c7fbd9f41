/**
 * Browser compute end to end, on the lab check page (/lab-check) against the real server: the same classify
 * JobSpec computed in headless Chromium (webgl, SwiftShader) and on the compute server agrees within tolerance; a
 * browser that cannot compute locally gets the same result from the server, saying where it was computed; a job
 * that fails in the browser is retried on the server by itself. Students join a session first: the server computes
 * only for joined students. The server serves the model files browsers load at /models/.
 */
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { SWIFTSHADER_LAUNCH, baseUrlOf, joinAsStudent, signUpApprovedInstructor, snap } from './support';

/** Probabilities of the same job on two backends differ by float rounding only. */
const TOLERANCE = 2e-3;

// WebGL without a GPU: SwiftShader, as in the nets package's browser tests.
test.use({ launchOptions: SWIFTSHADER_LAUNCH });
test.describe.configure({ mode: 'serial' });

/** Browsers load models from the server's /models/ files (createModelFilesHandler, mounted before Next's handler). */
async function expectModelFilesServed(request: APIRequestContext): Promise<void> {
  const res = await request.get('/models/index.json');
  expect(res.ok(), 'the server serves /models/index.json').toBe(true);
  expect(res.headers()['content-type'] ?? '').toContain('json');
}


/** An instructor (through the API) with one live session; returns its join code. */
async function createSession(browser: Browser): Promise<{ code: string; teacher: BrowserContext }> {
  const teacher = await browser.newContext();
  const email = `lab-check-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;
  await signUpApprovedInstructor(teacher, baseUrlOf(), email);
  const created = await teacher.request.post('/api/sessions', {
    data: { title: 'Lab check', steps: [{ kind: 'slide', id: 'intro', title: 'Will my laptop work?', markdown: 'Open /lab-check.' }] },
  });
  expect(created.ok(), await created.text()).toBe(true);
  const { session } = (await created.json()) as { session: { code: string } };
  return { code: session.code, teacher };
}

/** A student who joined `code` (the resume token is in this context's localStorage), on the lab check page. */
async function studentOnLabCheck(browser: Browser, code: string, name: string, opts: { blockModels?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  // A laptop that cannot load the model (its downloads are refused), before anything is cached.
  const { context, page } = await joinAsStudent(browser, code, name, '', opts.blockModels ? (c) => c.route('**/models/**', (route) => route.abort('blockedbyclient')) : undefined);
  await page.goto(`/lab-check?code=${code}`);
  await expect(page.getByRole('heading', { name: 'Will my laptop work?' })).toBeVisible();
  await expect(page.getByTestId('server-status')).toHaveAttribute('data-status', 'ready', { timeout: 20_000 });
  return { context, page };
}

interface Shown {
  where: string;
  backend: string;
  predictions: Array<[number, number]>;
  reason: string;
}

/** Runs the page's classify job with a placement choice and reads the result it shows. */
async function classify(page: Page, choice: 'Automatic' | 'This browser' | 'Server'): Promise<Shown> {
  await page.getByRole('radiogroup', { name: 'Compute on' }).getByText(choice, { exact: true }).click();
  const result = page.getByTestId('result');
  const before = (await result.count()) > 0 ? await result.getAttribute('data-job-id') : null;
  await page.getByRole('button', { name: 'Classify this photo' }).click();
  // A new result (another job id) or a failure.
  await expect(page.locator(`[data-testid="result"]:not([data-job-id="${before ?? ''}"]), [data-testid="job-error"]`)).toBeVisible({ timeout: 90_000 });
  const failure = page.getByTestId('job-error');
  if ((await failure.count()) > 0) throw new Error(`the job failed: ${await failure.textContent()}`);
  return {
    where: (await result.getAttribute('data-where'))!,
    backend: (await result.getAttribute('data-backend'))!,
    predictions: JSON.parse((await result.getAttribute('data-predictions'))!) as Array<[number, number]>,
    reason: (await page.getByTestId('placement-reason').textContent()) ?? '',
  };
}

function expectSameResult(a: Shown, b: Shown) {
  expect(a.predictions.length).toBe(5);
  expect(b.predictions.map(([i]) => i)).toEqual(a.predictions.map(([i]) => i));
  for (let k = 0; k < a.predictions.length; k++) expect(Math.abs(a.predictions[k][1] - b.predictions[k][1])).toBeLessThan(TOLERANCE);
}

test('the same classify job in Chromium (webgl) and on the server agrees', async ({ browser, request }, testInfo) => {
  await expectModelFilesServed(request);
  const { code, teacher } = await createSession(browser);
  const { context, page } = await studentOnLabCheck(browser, code, 'Local Laptop');
  try {
    // The browser picks webgl and measures one forward pass of the lesson's model.
    await expect(page.getByTestId('backend')).toHaveText('webgl', { timeout: 60_000 });
    await expect(page.getByTestId('forward-ms')).toHaveText(/\d+(\.\d)? m?s/, { timeout: 90_000 });

    const local = await classify(page, 'This browser');
    expect(local).toMatchObject({ where: 'browser', backend: 'webgl' });
    await expect(page.getByTestId('result-where')).toHaveText('Computed in this browser');
    // The cat photo: an ImageNet cat class (281–285) is the top prediction.
    expect(local.predictions[0][0]).toBeGreaterThanOrEqual(281);
    expect(local.predictions[0][0]).toBeLessThanOrEqual(285);
    await snap(page, 'lab-check-browser', testInfo, true);

    const remote = await classify(page, 'Server');
    expect(remote.where).toBe('server');
    expect(remote.reason).toContain('you chose to compute on the server');
    await expect(page.getByTestId('result-where')).toHaveText('Computed on the server');
    expectSameResult(local, remote);
    await snap(page, 'lab-check-server', testInfo, true);
  } finally {
    await context.close();
    await teacher.close();
  }
});

test('a browser that cannot compute falls back to the server and gets the same result', async ({ browser, request }, testInfo) => {
  await expectModelFilesServed(request);
  const { code, teacher } = await createSession(browser);
  const local = await studentOnLabCheck(browser, code, 'Fast Laptop');
  await expect(local.page.getByTestId('backend')).toHaveText('webgl', { timeout: 60_000 });
  const computedHere = await classify(local.page, 'This browser');
  expect(computedHere.where).toBe('browser');
  // The second laptop starts once the first is done: Playwright's request routing (below) stalls Web Workers that
  // start in two pages at the same moment (a harness limit, seen with SwiftShader; one page at a time is fine).
  const { context, page } = await studentOnLabCheck(browser, code, 'Old Laptop', { blockModels: true });
  try {
    // The old laptop cannot load the model: its jobs go to the server by themselves.
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-tone', 'bad', { timeout: 60_000 });
    const fallback = await classify(page, 'Automatic');
    expect(fallback.where).toBe('server');
    await expect(page.getByTestId('result-where')).toHaveText('Computed on the server');
    expectSameResult(computedHere, fallback);
    await snap(page, 'lab-check-fallback', testInfo, true);
    await expect(page.getByTestId('placement-reason')).toContainText('the model does not run in this browser');
  } finally {
    await context.close();
    await local.context.close();
    await teacher.close();
  }
});

test('without a session the page still checks the browser and offers no server', async ({ browser, request }, testInfo) => {
  await expectModelFilesServed(request);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto('/lab-check');
    await expect(page.getByTestId('server-status')).toHaveAttribute('data-status', 'off');
    await expect(page.getByRole('radio', { name: /Server/ })).toBeDisabled();
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-tone', /good|ok|bad/, { timeout: 90_000 });
    const r = await classify(page, 'Automatic');
    expect(r.where).toBe('browser');
    await snap(page, 'lab-check-no-session', testInfo, true);
  } finally {
    await context.close();
  }
});

test('a job that fails in the browser is retried on the server by itself', async ({ browser, request }, testInfo) => {
  await expectModelFilesServed(request);
  const { code, teacher } = await createSession(browser);
  const { context, page } = await studentOnLabCheck(browser, code, 'Flaky Laptop');
  try {
    await expect(page.getByTestId('backend')).toHaveText('webgl', { timeout: 60_000 });
    await expect(page.getByTestId('forward-ms')).toHaveText(/\d+(\.\d)? m?s/, { timeout: 90_000 });
    // The model runs here, but this browser cannot fetch the photo (a proxy in the way): the local job fails.
    await context.route('**/api/samples/**', (route) => route.abort('blockedbyclient'));
    const r = await classify(page, 'This browser');
    expect(r.where).toBe('server');
    expect(r.reason).toContain('This browser failed (cannot fetch image skimage_chelsea.png');
    expect(r.predictions[0][0]).toBe(285);
    await snap(page, 'lab-check-retried-on-server', testInfo, true);
  } finally {
    await context.close();
    await teacher.close();
  }
});

test('a browser that cannot load the model gets the server’s result, even when it asks for the browser', async ({ browser }) => {
  // Runs with or without /models/ on the server: this laptop's model downloads are refused either way.
  const { code, teacher } = await createSession(browser);
  const { context, page } = await studentOnLabCheck(browser, code, 'Locked-down Laptop', { blockModels: true });
  try {
    await expect(page.getByTestId('verdict')).toHaveAttribute('data-tone', 'bad', { timeout: 60_000 });
    await expect(page.getByTestId('verdict-detail')).toContainText('mobilenet_v1_0.75_224');
    const r = await classify(page, 'This browser');
    expect(r).toMatchObject({ where: 'server' });
    expect(r.reason).toContain('the model does not run in this browser');
    await expect(page.getByTestId('result-where')).toHaveText('Computed on the server');
    // The cat photo: ImageNet's 'Egyptian cat' (285) on the server's backend.
    expect(r.predictions[0][0]).toBe(285);
    expect(r.predictions[0][1]).toBeGreaterThan(0.5);
  } finally {
    await context.close();
    await teacher.close();
  }
});

test('a laptop without WebGL computes on WebAssembly and matches the server', async ({ browser, request }, testInfo) => {
  await expectModelFilesServed(request);
  const { code, teacher } = await createSession(browser);
  const { context, page } = await studentOnLabCheck(browser, code, 'No-WebGL Laptop');
  try {
    // The wasm binaries come from the app's own bundle (/_next/static/media), not from a CDN.
    await page.goto(`/lab-check?code=${code}&backend=wasm`);
    await expect(page.getByTestId('backend')).toHaveText('wasm', { timeout: 60_000 });
    await expect(page.getByTestId('forward-ms')).toHaveText(/\d+(\.\d)? m?s/, { timeout: 90_000 });
    await expect(page.getByTestId('server-status')).toHaveAttribute('data-status', 'ready', { timeout: 20_000 });
    const local = await classify(page, 'This browser');
    expect(local).toMatchObject({ where: 'browser', backend: 'wasm' });
    const remote = await classify(page, 'Server');
    expect(remote.where).toBe('server');
    expectSameResult(local, remote);
    await snap(page, 'lab-check-wasm', testInfo, true);
  } finally {
    await context.close();
    await teacher.close();
  }
});
