/** What the end-to-end tests share: screenshots as artifacts, WebGL without a GPU, accounts and students. */
import { expect, request as playwrightRequest, type APIRequestContext, type Browser, type BrowserContext, type Locator, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const ARTIFACTS = join(process.cwd(), 'artifacts', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Chromium flags for WebGL without a GPU (SwiftShader), as CI machines have none. */
export const SWIFTSHADER_LAUNCH = {
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
    '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--ignore-gpu-blocklist',
  ],
};

/** Saves a screenshot under artifacts/e2e/ and attaches it to the test's report. */
export async function snap(page: Page, name: string, testInfo: TestInfo, fullPage = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The e2e server's admin (CONVLAB_ADMIN_EMAIL in playwright.config.ts). */
export const ADMIN_EMAIL = 'admin@e2e.example.org';
/** The password of every account the tests make. */
export const PASSWORD = 'correct horse battery';

/** A request context signed in as the admin (signed up on first use). */
export async function adminRequest(baseURL: string): Promise<APIRequestContext> {
  const request = await playwrightRequest.newContext({ baseURL });
  const signup = await request.post('/api/auth/signup', { data: { email: ADMIN_EMAIL, password: PASSWORD, name: 'Admin' } });
  if (signup.status() === 409) expect((await request.post('/api/auth/signin', { data: { email: ADMIN_EMAIL, password: PASSWORD } })).ok()).toBe(true);
  else expect(signup.ok(), await signup.text()).toBe(true);
  return request;
}

/** Has the admin approve the instructor account with `email` (instructors wait for approval before teaching). */
export async function approveInstructor(baseURL: string, email: string): Promise<void> {
  const admin = await adminRequest(baseURL);
  const { accounts } = (await (await admin.get('/api/admin/accounts')).json()) as { accounts: { id: string; email: string }[] };
  const account = accounts.find((a) => a.email === email.toLowerCase());
  expect(account, `no instructor account ${email}`).toBeTruthy();
  expect((await admin.post(`/api/admin/accounts/${account!.id}/approve`, { data: { approved: true } })).ok()).toBe(true);
  await admin.dispose();
}

/** Signs up an instructor in `context` through the API and has the admin approve it. */
export async function signUpApprovedInstructor(context: BrowserContext, baseURL: string, email: string, name = 'Grace Hopper'): Promise<void> {
  const signup = await context.request.post('/api/auth/signup', { data: { email, password: PASSWORD, name } });
  expect(signup.ok(), await signup.text()).toBe(true);
  await approveInstructor(baseURL, email);
}

/** A fresh, approved instructor account signed up through the API in a new context (its cookie stays in the context). */
export async function instructorContext(browser: Browser, name = 'Grace Hopper', viewport = { width: 1440, height: 900 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  const email = `teacher-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;
  await signUpApprovedInstructor(context, baseUrlOf(), email, name);
  return context;
}

/** The base URL the tests run against (playwright.config.ts sets CONVLAB_E2E_PORT or CONVLAB_E2E_BASE_URL). */
export function baseUrlOf(): string {
  return process.env.CONVLAB_E2E_BASE_URL?.replace(/\/+$/, '') || `http://127.0.0.1:${process.env.CONVLAB_E2E_PORT}`;
}

/**
 * A student joining `code` with a display name in a new context (after `prepare`, e.g. routes that break the
 * laptop); lands on the student view, then on `/s/<code><query>` when a query is given.
 */
export async function joinAsStudent(
  browser: Browser,
  code: string,
  name: string,
  query = '',
  prepare?: (context: BrowserContext) => Promise<unknown>,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await prepare?.(context);
  const page = await context.newPage();
  await page.goto(`/join/${code}`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Join session' }).click();
  await expect(page).toHaveURL(new RegExp(`/s/${code}$`));
  await expect(page.getByTestId('me-name')).toHaveText(name);
  if (query) await page.goto(`/s/${code}${query}`);
  return { context, page };
}

/** A small occlusion lab step on the repository's cat photo (MobileNet 0.25 by default: quick in SwiftShader). */
export function catOcclusionStep(model = 'mobilenet_v1_0.25_224') {
  return {
    kind: 'lab',
    id: 'occ',
    title: 'Hide the cat',
    markdown: 'Draw masks over the photo.',
    labId: 'occlusion',
    params: { model, image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, classIndex: 285 },
  } as const;
}

/** Drags the mouse over `target` through points given as fractions of its width and height (a mask, a brush stroke). */
export async function dragThrough(page: Page, target: Locator, points: [number, number][]): Promise<void> {
  const box = (await target.boundingBox())!;
  const at = ([fx, fy]: [number, number]) => [box.x + box.width * fx, box.y + box.height * fy] as const;
  await page.mouse.move(...at(points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 5 });
  await page.mouse.up();
}
