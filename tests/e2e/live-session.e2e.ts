/**
 * The live session end to end, in real Chromium contexts against the real server: an instructor signs
 * up and creates a session; two students join by code (one by typing it, one through the join URL);
 * the instructor drives steps, lock and pause; a student reloads and keeps their seat; presence, removal,
 * ending and reopening reach the right screens. Screenshots land in artifacts/e2e/ (and the test output).
 */
import { expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { approveInstructor, baseUrlOf, snap } from './support';

const PLAN = [
  { title: 'Convolution is a weighted sum', markdown: 'Each output pixel is a **dot product** of a 3×3 kernel with the patch under it.\n\n- stride 1\n- one bias per filter' },
  { title: 'Pooling and its drawbacks', markdown: 'Max pooling keeps the strongest response and forgets *where* it was.' },
  { title: 'First-layer filters', markdown: 'Oriented edges and colour blobs: what do you expect?' },
];

async function signUpInstructor(page: Page) {
  const email = `teacher-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.org`;
  await page.goto('/');
  await page.getByRole('link', { name: 'Create an instructor account' }).click();
  await expect(page.getByRole('heading', { name: 'Create an instructor account' })).toBeVisible();
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { name: 'My sessions' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Waiting for approval' })).toBeVisible();
  await approveInstructor(baseUrlOf(), email);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'My sessions' })).toBeVisible();
  return email;
}

async function createSession(page: Page, testInfo: TestInfo): Promise<{ code: string; url: string }> {
  await page.getByRole('link', { name: /New session/ }).first().click();
  await expect(page.getByRole('heading', { name: 'New session' })).toBeVisible();
  await page.getByLabel('Session title').fill('Lecture 12 — How CNNs see');
  for (const [i, step] of PLAN.entries()) {
    if (i > 0) await page.getByRole('button', { name: 'Add slide' }).click();
    const card = page.getByRole('listitem', { name: `Step ${i + 1}` });
    await card.getByLabel('Title').fill(step.title);
    await card.getByLabel(/^Text/).fill(step.markdown);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await snap(page, 'new-session', testInfo);
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(page).toHaveURL(/\/teach\/[^/]+$/);
  const codeText = await page.getByTestId('join-code').textContent();
  const code = (codeText ?? '').replace(/\s/g, '');
  expect(code).toMatch(/^[A-Z0-9]{6}$/);
  return { code, url: page.url() };
}

async function newStudent(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return { context, page: await context.newPage() };
}

const onlineRows = (teacher: Page) => teacher.locator('[data-testid="presence-row"][data-presence="online"]');

test('an instructor runs a live session that two students follow', async ({ browser }, testInfo) => {
  const teacherContext = await browser.newContext();
  const teacher = await teacherContext.newPage();
  await signUpInstructor(teacher);
  const { code } = await createSession(teacher, testInfo);
  await expect(teacher.getByTestId('instructor-step-counter')).toHaveText('Step 1 of 3');

  await test.step('the join screen can be presented full screen and closed with Esc', async () => {
    await teacher.getByRole('button', { name: 'Present join screen' }).click();
    const dialog = teacher.getByRole('dialog', { name: 'Join screen' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('img', { name: /QR code for http:\/\/127\.0\.0\.1:\d+\/join\// })).toBeVisible();
    await snap(teacher, 'instructor-present-join', testInfo);
    await teacher.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });

  const alice = await newStudent(browser);
  const bob = await newStudent(browser);

  await test.step('student A joins by typing the code on the landing page', async () => {
    await alice.page.goto('/');
    // Typed the way people type codes off a projector: lower case, with a space.
    await alice.page.getByLabel('Join code').fill(`${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`);
    await alice.page.getByRole('button', { name: 'Join', exact: true }).click();
    await expect(alice.page).toHaveURL(new RegExp(`/join/${code}$`));
    await alice.page.getByLabel('Your name').fill('  Alice   Smith ');
    await alice.page.getByRole('button', { name: 'Join session' }).click();
    await expect(alice.page).toHaveURL(new RegExp(`/s/${code}$`));
    await expect(alice.page.getByRole('heading', { level: 1, name: PLAN[0].title })).toBeVisible();
    await expect(alice.page.getByTestId('me-name')).toHaveText('Alice Smith');
  });

  await test.step('student B joins through the join URL (as from the QR code)', async () => {
    await bob.page.goto(`/join/${code}`);
    await expect(bob.page.getByRole('heading', { name: 'Lecture 12 — How CNNs see' })).toBeVisible();
    await bob.page.getByLabel('Your name').fill('Bob');
    await bob.page.getByRole('button', { name: 'Join session' }).click();
    await expect(bob.page.getByRole('heading', { level: 1, name: PLAN[0].title })).toBeVisible();
    await expect(bob.page.getByTestId('student-step-counter')).toHaveText('Step 1 of 3');
  });

  await test.step('the instructor sees both students online', async () => {
    await expect(onlineRows(teacher)).toHaveCount(2);
    await expect(teacher.getByTestId('presence-summary')).toContainText('2 online');
  });

  await test.step('the instructor advances and both students see step 2', async () => {
    await teacher.getByRole('button', { name: 'Next', exact: true }).click();
    await expect(teacher.getByTestId('instructor-step-counter')).toHaveText('Step 2 of 3');
    for (const s of [alice, bob]) {
      await expect(s.page.getByRole('heading', { level: 1, name: PLAN[1].title })).toBeVisible();
      await expect(s.page.getByTestId('student-step-counter')).toHaveText('Step 2 of 3');
    }
  });

  await test.step('a student reloads and is the same participant, still on step 2', async () => {
    const before = await alice.page.getByTestId('student-view').getAttribute('data-participant-id');
    expect(before).toBeTruthy();
    await alice.page.reload();
    await expect(alice.page.getByRole('heading', { level: 1, name: PLAN[1].title })).toBeVisible();
    await expect(alice.page.getByTestId('student-view')).toHaveAttribute('data-participant-id', before!);
    await expect(alice.page.getByTestId('me-name')).toHaveText('Alice Smith');
    // A new tab of the same browser resumes the same seat too (the token is in localStorage).
    const tab = await alice.context.newPage();
    await tab.goto(`/join/${code}`);
    await expect(tab).toHaveURL(new RegExp(`/s/${code}$`));
    await expect(tab.getByTestId('student-view')).toHaveAttribute('data-participant-id', before!);
    await tab.close();
    // Still exactly two participants, both online.
    await expect(teacher.getByTestId('presence-row')).toHaveCount(2);
    await expect(onlineRows(teacher)).toHaveCount(2);
    await snap(teacher, 'instructor-live', testInfo);
    await snap(alice.page, 'student-view', testInfo);
  });

  await test.step('lock reaches the students, and unlock clears it', async () => {
    await teacher.getByRole('button', { name: 'Lock students' }).click();
    await expect(teacher.getByTestId('lock-state')).toContainText('Locked');
    await expect(bob.page.getByTestId('locked-indicator')).toBeVisible();
    await expect(alice.page.getByTestId('locked-indicator')).toBeVisible();
    await snap(alice.page, 'student-locked', testInfo);
    await teacher.getByRole('button', { name: 'Unlock students' }).click();
    await expect(bob.page.getByTestId('locked-indicator')).toBeHidden();
  });

  await test.step('pause with a message freezes student screens; resume lifts it', async () => {
    await teacher.getByLabel(/Pause message/).fill('Eyes on the projector, please');
    await teacher.getByRole('button', { name: 'Pause all screens' }).click();
    for (const s of [alice, bob]) {
      await expect(s.page.getByTestId('pause-overlay')).toBeVisible();
      await expect(s.page.getByTestId('pause-message')).toHaveText('Eyes on the projector, please');
    }
    await snap(bob.page, 'student-paused', testInfo);
    await teacher.getByRole('button', { name: 'Resume' }).click();
    await expect(bob.page.getByTestId('pause-overlay')).toBeHidden();
    await expect(alice.page.getByTestId('pause-overlay')).toBeHidden();
  });

  await test.step('go-to and the keyboard drive the step too', async () => {
    await teacher.getByRole('button', { name: /Go to step 3/ }).click();
    await expect(bob.page.getByRole('heading', { level: 1, name: PLAN[2].title })).toBeVisible();
    await teacher.locator('body').press('ArrowLeft');
    await expect(bob.page.getByRole('heading', { level: 1, name: PLAN[1].title })).toBeVisible();
    await expect(alice.page.getByTestId('student-step-counter')).toHaveText('Step 2 of 3');
  });

  await test.step('removing a student shows them the removed screen', async () => {
    await teacher.getByRole('button', { name: 'Remove Bob' }).click();
    await teacher.getByRole('button', { name: 'Confirm removing Bob' }).click();
    await expect(bob.page.getByTestId('removed-notice')).toBeVisible();
    await expect(onlineRows(teacher)).toHaveCount(1);
    // A reload does not bring the removed seat back.
    await bob.page.reload();
    await expect(bob.page.getByTestId('removed-notice')).toBeVisible();
    await snap(bob.page, 'student-removed', testInfo);
  });

  await test.step('the instructor may undo a removal and close joining', async () => {
    await expect(teacher.getByRole('button', { name: 'Undo removing Bob' })).toBeVisible();
    await teacher.getByTestId('close-joining').click();
    await expect(teacher.getByTestId('joining-state')).toContainText('New students are turned away');
    await snap(teacher, 'instructor-removed-joining-closed', testInfo);
    await teacher.getByTestId('close-joining').click();
    await expect(teacher.getByTestId('joining-state')).toContainText('Anyone with the code may join');
  });

  await test.step('ending the session reaches students; it stays readable and can be reopened', async () => {
    await teacher.getByRole('button', { name: 'End session…' }).click();
    await teacher.getByRole('button', { name: 'End session', exact: true }).click();
    await expect(alice.page.getByTestId('ended-notice')).toBeVisible();
    await snap(alice.page, 'student-ended', testInfo);
    await expect(teacher.getByRole('heading', { name: /Who joined \(2\)/ })).toBeVisible();
    await expect(teacher.getByText('Alice Smith')).toBeVisible();
    await teacher.getByRole('button', { name: /Go to step 1/ }).click();
    await expect(teacher.getByTestId('instructor-preview').getByRole('heading', { name: PLAN[0].title })).toBeVisible();
    await snap(teacher, 'instructor-ended', testInfo);

    await teacher.getByRole('button', { name: 'Reopen session' }).click();
    await expect(teacher.getByTestId('instructor-step-counter')).toHaveText('Step 2 of 3');
    // The student still connected picks the session up again by itself (or on "Check again").
    await expect(async () => {
      if (await alice.page.getByTestId('ended-notice').isVisible()) await alice.page.getByRole('button', { name: 'Check again' }).click();
      await expect(alice.page.getByRole('heading', { level: 1, name: PLAN[1].title })).toBeVisible({ timeout: 2000 });
    }).toPass({ timeout: 15_000 });
  });

  await test.step('the dashboard lists the session with its code', async () => {
    await teacher.getByRole('link', { name: 'My sessions' }).click();
    const row = teacher.getByRole('row', { name: /Lecture 12/ });
    await expect(row).toContainText(code);
    await expect(row).toContainText('Live');
    await snap(teacher, 'dashboard', testInfo);
  });

  await Promise.all([teacherContext.close(), alice.context.close(), bob.context.close()]);
});

test('clear errors: unknown join code, bad name, wrong password', async ({ page }) => {
  await page.goto('/join');
  await page.getByLabel('Join code').fill('ZZZZ');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  // (Next.js keeps its own empty role=alert route announcer on the page, hence the text filter.)
  await expect(page.getByRole('alert').filter({ hasText: 'A join code has 6 characters; you typed 4.' })).toBeVisible();
  await page.getByLabel('Join code').fill('ZZZZZZ');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'No session uses the code ZZZZZZ' })).toBeVisible();

  await page.goto('/signin');
  await page.getByLabel('Email').fill('nobody@example.org');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'That email and password do not match an account.' })).toBeVisible();

  // Instructor pages send a signed-out visitor to sign in, and back afterwards.
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/signin\?next=%2Fdashboard$/);
});

test('lesson plan editor: validation, reorder and remove', async ({ page }) => {
  await signUpInstructor(page);
  await page.getByRole('link', { name: /New session/ }).first().click();
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(page.getByText('Give the session a title.')).toBeVisible();
  await expect(page.getByText('Every step needs a title.')).toBeVisible();

  await page.getByLabel('Session title').fill('Editor drill');
  for (const [i, title] of ['Alpha', 'Bravo', 'Charlie'].entries()) {
    if (i > 0) await page.getByRole('button', { name: 'Add slide' }).click();
    await page.getByRole('listitem', { name: `Step ${i + 1}` }).getByLabel('Title').fill(title);
  }
  const third = page.getByRole('listitem', { name: 'Step 3' });
  await third.getByLabel('Image URL (optional)').fill('http://example.org/x.png');
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(page.getByText('Use the https:// address of the image')).toBeVisible();
  await third.getByLabel('Image URL (optional)').fill('');

  // A lab step beside the slides: its parameters are checked by the lab's own schema, field by field.
  await page.getByRole('button', { name: /Add lab/ }).click();
  await page.getByRole('region', { name: 'Choose a lab' }).getByRole('button', { name: /^Occlusion/ }).click();
  const lab = page.getByRole('listitem', { name: 'Step 4' });
  await lab.getByLabel('Title').fill('Where does it look?');
  await lab.getByLabel('Stride (px)').fill('200');
  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(lab.getByLabel('Stride (px)')).toHaveAttribute('aria-invalid', 'true');
  await expect(lab.getByText('The stride must be at most the window, or pixels are skipped.', { exact: true })).toBeVisible();
  await lab.getByLabel('Stride (px)').fill('16');

  await page.getByRole('button', { name: 'Move step 3 up' }).click(); // Alpha, Charlie, Bravo, lab
  await page.getByRole('button', { name: 'Remove step 1' }).click(); // Charlie, Bravo, lab
  await expect(page.getByRole('listitem', { name: 'Step 1' }).getByLabel('Title')).toHaveValue('Charlie');
  await page.getByRole('listitem', { name: 'Step 1' }).getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('listitem', { name: 'Step 1' }).getByRole('heading', { name: 'Charlie' })).toBeVisible();

  await page.getByRole('button', { name: 'Create session' }).click();
  await expect(page).toHaveURL(/\/teach\//);
  const outline = page.getByRole('navigation', { name: 'Go to step' }).getByRole('button');
  await expect(outline).toHaveText([/Charlie/, /Bravo/, /Where does it look/]);

  // Sign out ends the instructor session: instructor pages ask to sign in again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/signin\?next=/);
});
