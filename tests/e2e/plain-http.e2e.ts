/**
 * ConvLab served over plain http under a name other than localhost, as on a lecture hall's network
 * (http://192.168.1.20:3000) or inside an http LMS's frame: the page is not a secure context, so it has no Web Crypto
 * no Cache Storage and no Clipboard API. The browser still checks the model files it downloads and computes by itself,
 * and the instructor's "Copy link" still copies.
 */
import { expect, test } from '@playwright/test';
import { PASSWORD, SWIFTSHADER_LAUNCH, baseUrlOf, catOcclusionStep, signUpApprovedInstructor } from './support';

const HALL_HOST = 'lecture-hall.test';
const hall = () => baseUrlOf().replace('127.0.0.1', HALL_HOST);

// WebGL without a GPU, as the students' laptops compute first; the hall's host name on this machine.
test.use({ launchOptions: { ...SWIFTSHADER_LAUNCH, args: [...SWIFTSHADER_LAUNCH.args, `--host-resolver-rules=MAP ${HALL_HOST} 127.0.0.1`] } });

test('a page on plain http (not a secure context) checks the model files and computes in the browser', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${hall()}/lab-check?backend=webgl`);
  expect(await page.evaluate(() => ({ secure: window.isSecureContext, subtle: typeof crypto.subtle, caches: typeof caches }))).toEqual({
    secure: false,
    subtle: 'undefined',
    caches: 'undefined',
  });
  await expect(page.getByTestId('forward-ms')).toHaveText(/\d+(\.\d)? m?s/, { timeout: 120_000 });
  await expect(page.getByTestId('backend')).toHaveText('webgl');
  await page.getByRole('radiogroup', { name: 'Compute on' }).getByText('This browser', { exact: true }).click();
  await page.getByRole('button', { name: 'Classify this photo' }).click();
  const result = page.getByTestId('result');
  await expect(result).toHaveAttribute('data-where', 'browser', { timeout: 120_000 });
  const top = JSON.parse((await result.getAttribute('data-predictions'))!) as Array<[number, number]>;
  expect(top[0]![0]).toBe(285);
});

test('the instructor on the hall’s address copies the join link without the Clipboard API', async ({ browser }) => {
  const email = `hall-${Date.now()}@example.org`;
  await signUpApprovedInstructor(await browser.newContext(), baseUrlOf(), email);
  // She signs in on the hall's address (the test's own requests cannot resolve it; the browser can).
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${hall()}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  const { id, code } = await page.evaluate(async (step) => {
    const res = await fetch('/api/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'On the LAN', steps: [step] }) });
    if (!res.ok) throw new Error(await res.text());
    return ((await res.json()) as { session: { id: string; code: string } }).session;
  }, catOcclusionStep());
  await page.goto(`${hall()}/teach/${id}`);
  expect(await page.evaluate(() => typeof navigator.clipboard)).toBe('undefined');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('button', { name: 'Copied!' })).toBeVisible();
  // What was copied is the join link: pasted into a field on the page.
  await page.evaluate(() => {
    const field = document.createElement('input');
    field.id = 'paste-here';
    document.body.append(field);
    field.focus();
  });
  await page.keyboard.press('Control+V');
  await expect(page.locator('#paste-here')).toHaveValue(new RegExp(`/join/${code}$`));
});
