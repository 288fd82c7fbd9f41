/**
 * The Content-Security-Policy in a real browser (issue #10 item 8): pages carry a fresh script nonce that Next.js puts
 * on its scripts; /lab-check computes on every TensorFlow.js backend this Chromium has (webgl through SwiftShader,
 * wasm, cpu; webgpu where available) inside the compute Web Worker; a lab page computes in the browser; and no
 * `securitypolicyviolation` fires and no "Refused to…" CSP message is logged, by the page or its worker.
 */
import { expect, test, type Page } from '@playwright/test';
import { SWIFTSHADER_LAUNCH, instructorContext, joinAsStudent, snap } from './support';

test.use({ launchOptions: SWIFTSHADER_LAUNCH });
test.describe.configure({ mode: 'serial' });
test.setTimeout(6 * 60_000);

/** Collects CSP violations seen by the page (DOM events) and by the page or its workers (console messages). */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('__cspViolation', (what: string) => void seen.push(what));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation(s: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to (load|execute|compile|create|connect|apply|frame)/i.test(msg.text())) seen.push(msg.text());
  });
  page.on('worker', (worker) => {
    worker.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) seen.push(`worker: ${msg.text()}`);
    });
  });
  return seen;
}

test('pages carry the CSP with a per-request nonce on every script, and the security headers', async ({ page, request }) => {
  const violations = await watchViolations(page);
  const response = (await page.goto('/'))!;
  const headers = response.headers();
  const csp = headers['content-security-policy'] ?? '';
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("worker-src 'self' blob:");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['x-powered-by']).toBeUndefined();

  // Every script Next.js rendered carries this request's nonce; the next request gets another.
  const scripts = await page.locator('script').evaluateAll((els) => els.map((el) => (el as HTMLScriptElement).nonce));
  expect(scripts.length).toBeGreaterThan(0);
  expect(new Set(scripts)).toEqual(new Set([nonce]));
  const again = await request.get('/');
  expect(/'nonce-([^']+)'/.exec(again.headers()['content-security-policy'] ?? '')?.[1]).not.toBe(nonce);
  // A nonce the client sends is never the one the page renders with.
  const forged = await request.get('/', { headers: { 'content-security-policy': "script-src 'nonce-attacker'" } });
  expect(await forged.text()).not.toContain('nonce="attacker"');

  await expect(page.getByRole('link', { name: /sign up/i }).first()).toBeVisible();
  expect(violations).toEqual([]);
});

test('/lab-check computes on every backend this browser has, under the CSP', async ({ browser }, testInfo) => {
  const results: Record<string, string> = {};
  for (const backend of ['webgl', 'wasm', 'cpu', 'webgpu'] as const) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const violations = await watchViolations(page);
    try {
      await page.goto(`/lab-check?backend=${backend}`);
      await expect(page.getByTestId('verdict')).toHaveAttribute('data-tone', /good|ok|bad/, { timeout: 120_000 });
      const shown = (await page.getByTestId('backend').textContent())?.trim() ?? '';
      if (shown !== backend) {
        // Only WebGPU may be missing from headless Chromium; the others must run here.
        expect(backend, `the ${backend} backend did not start: ${await page.getByTestId('verdict').textContent()}`).toBe('webgpu');
        results[backend] = 'not available in this browser';
        continue;
      }
      await expect(page.getByTestId('forward-ms')).toHaveText(/\d+(\.\d)? m?s/, { timeout: 120_000 });
      await page.getByRole('radiogroup', { name: 'Compute on' }).getByText('This browser', { exact: true }).click();
      await page.getByRole('button', { name: 'Classify this photo' }).click();
      const result = page.getByTestId('result');
      await expect(result).toBeVisible({ timeout: 120_000 });
      await expect(result).toHaveAttribute('data-where', 'browser');
      await expect(result).toHaveAttribute('data-backend', backend);
      const top = JSON.parse((await result.getAttribute('data-predictions'))!) as Array<[number, number]>;
      expect(top).toHaveLength(5);
      results[backend] = `computed (top class ${top[0]![0]}, p=${top[0]![1].toFixed(3)})`;
      if (backend === 'wasm') await snap(page, 'csp-lab-check-wasm', testInfo, true);
      expect(violations, `CSP violations on ${backend}`).toEqual([]);
    } finally {
      await context.close();
    }
  }
  console.log('lab-check under the CSP:', JSON.stringify(results));
  await testInfo.attach('backends', { body: JSON.stringify(results, null, 2), contentType: 'application/json' });
  expect(results.webgl).toMatch(/^computed/);
  expect(results.wasm).toMatch(/^computed/);
});

test('a lab page computes in the browser under the CSP; the dashboard lists signed-in sessions; the join panel avoids localhost', async ({ browser }, testInfo) => {
  const teacherContext = await instructorContext(browser);
  const teacher = await teacherContext.newPage();
  const teacherViolations = await watchViolations(teacher);
  await teacher.goto('/dashboard');
  await expect(teacher.getByRole('heading', { name: 'Where you are signed in' })).toBeVisible();
  await expect(teacher.getByText('this browser')).toBeVisible();
  await snap(teacher, 'dashboard-signed-in-sessions', testInfo, true);
  await teacher.getByRole('button', { name: /Start .*How CNNs see/ }).click();
  await expect(teacher).toHaveURL(/\/teach\/[^/]+$/, { timeout: 30_000 });
  const code = ((await teacher.getByTestId('join-code').textContent()) ?? '').replace(/\s/g, '');
  // Opened at 127.0.0.1, which no student can reach, on a server listening on 127.0.0.1 only (HOST, as in this run):
  // the join panel says so instead of showing a link that cannot work elsewhere.
  await expect(teacher.getByTestId('join-note')).toContainText('listens on 127.0.0.1 only');
  await snap(teacher, 'teach-join-panel-lan-address', testInfo);

  // The student's context reports every violation from its first page load on (DOM events and console messages).
  const studentViolations: string[] = [];
  const student = await joinAsStudent(browser, code, 'Ana', '?compute=browser', async (context) => {
    context.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) studentViolations.push(msg.text());
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy violation: ${e.violatedDirective}`));
    });
  });
  await teacher.getByRole('navigation', { name: 'Go to step' }).getByRole('button', { name: /Occlusion 1\/3/ }).click();
  const lab = student.page.getByTestId('lab-occlusion');
  await expect(lab.getByTestId('prob-without-mask')).toContainText('%', { timeout: 120_000 });
  await expect(lab.getByTestId('computed-where').first()).toHaveAttribute('data-where', 'browser');
  await snap(student.page, 'csp-lab-occlusion-student', testInfo, true);
  expect(studentViolations).toEqual([]);
  expect(teacherViolations).toEqual([]);
  await student.context.close();
  await teacherContext.close();
});
