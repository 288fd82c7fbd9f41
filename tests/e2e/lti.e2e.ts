/**
 * LTI 1.3 as a new user meets it, in headless Chromium: the admin registers the test platform on /admin/lti, then
 * the LMS's course page (another site: lms.test, mapped to this machine) frames ConvLab; every launch runs inside the
 * iframe (login initiation → the platform's authorization → the signed launch). The instructor links an assignment
 * by deep linking, a student opens it and submits, the instructor grades and releases, and the grade arrives at the
 * platform's line item; the roster syncs from inside the frame. The student lands on her assignment's page and submits
 * in its lab panel; the instructor lands on the gradebook, grades, releases and sees the grade "sent". The cookies are
 * SameSite=None, Secure and Partitioned: Playwright's contexts block other third-party cookies, as private windows do.
 */
import { expect, test } from '@playwright/test';
import { ROLE, startTestPlatform, type Person, type TestPlatform } from '../lti-platform/test-platform';
import { ADMIN_EMAIL, SWIFTSHADER_LAUNCH, snap } from './support';

const LMS_HOST = 'lms.test';

// WebGL without a GPU (the lab panel computes in the browser), and the LMS's host name on this machine.
test.use({ launchOptions: { ...SWIFTSHADER_LAUNCH, args: [...SWIFTSHADER_LAUNCH.args, `--host-resolver-rules=MAP ${LMS_HOST} 127.0.0.1`] } });
test.setTimeout(5 * 60_000);

const ada: Person = { sub: 'e2e-ada', name: 'Ada Lovelace', roles: [ROLE.learner] };
const grace: Person = { sub: 'e2e-grace', name: 'Grace Hopper', roles: [ROLE.instructor] };

let platform: TestPlatform;
test.afterAll(() => platform?.close());

test('an LMS course frames ConvLab: registration, deep linking, launches, a submission in the lab panel whose released grade reaches the LMS and shows sent, roster sync', async ({ browser, baseURL }, testInfo) => {
  platform = await startTestPlatform({ browserHost: LMS_HOST });
  // ConvLab as the LMS frames it: at localhost (Chromium keeps Secure cookies from http://localhost, as from https).
  platform.toolBase = baseURL!.replace('127.0.0.1', 'localhost');

  // The admin registers the platform and sees what to enter in the LMS.
  const adminContext = await browser.newContext();
  const signup = await adminContext.request.post('/api/auth/signup', { data: { email: ADMIN_EMAIL, password: 'correct horse battery', name: 'Admin' } });
  if (signup.status() === 409) expect((await adminContext.request.post('/api/auth/signin', { data: { email: ADMIN_EMAIL, password: 'correct horse battery' } })).ok()).toBe(true);
  const admin = await adminContext.newPage();
  await admin.goto('/admin/lti');
  await expect(admin.getByText(`${baseURL}/lti/login`)).toBeVisible();
  const registration = platform.registration();
  await admin.getByLabel('Name').fill(registration.name);
  await admin.getByLabel('Issuer').fill(registration.issuer);
  await admin.getByLabel('Client id').fill(registration.clientId);
  await admin.getByLabel('OIDC authorization URL').fill(registration.authLoginUrl);
  await admin.getByLabel('Platform JWKS URL').fill(registration.jwksUrl);
  await admin.getByLabel('Access token URL').fill(registration.accessTokenUrl);
  await admin.getByLabel('Deployment ids').fill(registration.deploymentIds.join(', '));
  await admin.getByRole('button', { name: 'Register platform' }).click();
  await expect(admin.getByText('Test LMS is registered')).toBeVisible();
  await snap(admin, 'lti-admin-platforms', testInfo, true);

  // The instructor opens ConvLab from the LMS first: the launch makes the course (staff land on its page).
  const teacher = await (await browser.newContext()).newPage();
  platform.nextBrowserLaunch = { person: grace, claims: platform.resourceLinkClaims('e2e-course-link') };
  await teacher.goto(`${platform.browserUrl}/course`);
  await expect.poll(() => teacher.frame({ url: /\/courses\// }) !== null).toBe(true);
  const inFrame = (page: typeof teacher, pattern: RegExp) => page.frame({ url: pattern })!;
  const courseId = new URL(inFrame(teacher, /\/courses\//).url()).pathname.split('/')[2]!;
  // Inside the frame (its own partitioned cookies), she makes a hand-graded assignment.
  const made = await inFrame(teacher, /\/courses\//).evaluate(async (id) => {
    const step = { kind: 'lab', id: 'kernel', title: 'Find the edges', markdown: 'Pick a kernel that finds vertical edges and submit it.', labId: 'convolution', params: { image: { kind: 'sample', id: 'photos/skimage_chelsea.png' }, size: 64, stride: 1, padding: 1 } };
    const res = await fetch(`/api/courses/${id}/assignments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Kernel homework',
        source: { kind: 'steps', steps: [step] },
        steps: [{ stepId: step.id, grading: { points: 0, rubric: [{ id: 'why', label: 'Explains what the kernel finds', points: 5 }], attempts: 2, counts: 'best' } }],
        opensAt: new Date(Date.now() - 60_000).toISOString(),
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        latePolicy: { kind: 'refuse' },
      }),
    });
    return { status: res.status, body: await res.json() };
  }, courseId);
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const assignmentId: string = made.body.assignment.id;

  // Deep linking: she picks the assignment in ConvLab's picker; the signed answer goes back to the LMS.
  platform.nextBrowserLaunch = { person: grace, claims: platform.deepLinkingClaims() };
  await teacher.goto(`${platform.browserUrl}/course`);
  const picker = teacher.frameLocator('#tool');
  await expect(picker.getByRole('cell', { name: 'Kernel homework' })).toBeVisible();
  await snap(teacher, 'lti-deep-linking-picker-in-lms-iframe', testInfo);
  await picker.getByRole('button', { name: 'Add to course' }).click();
  await expect(picker.getByText('The ConvLab assignment was added to the course.')).toBeVisible();
  const item = (platform.deepLinkResponses.at(-1)!['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as { lineItem: { scoreMaximum: number }; custom: Record<string, string> }[])[0]!;
  expect(item.lineItem.scoreMaximum).toBe(5);
  const linkClaims = platform.resourceLinkClaims('e2e-link', { 'https://purl.imsglobal.org/spec/lti/claim/custom': item.custom });

  // A student opens the link the LMS made: ConvLab launches inside the LMS's iframe, on her assignment's page.
  const student = await (await browser.newContext()).newPage();
  // The page's socket (server compute) connects from inside the frame with the frame's cookie: the server accepts
  // the student's assignment:open (a Socket.io acknowledgement carrying ok and the assignment).
  const socketAccepted = new Promise<string>((resolve) => {
    student.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      if (/^43\d*\[\{"ok":true/.test(String(payload)) && String(payload).includes(assignmentId)) resolve(ws.url());
    }));
  });
  platform.nextBrowserLaunch = { person: ada, claims: linkClaims };
  await student.goto(`${platform.browserUrl}/course`);
  const studentFrame = student.frameLocator('#tool');
  await expect(studentFrame.getByRole('heading', { name: 'Kernel homework' })).toBeVisible({ timeout: 30_000 });
  expect(student.frame({ url: /\/assignments\// })!.url()).toBe(`${platform.toolBase}/assignments/${assignmentId}`);
  // In the frame the ConvLab mark leads nowhere: the home page refuses to be framed.
  await expect(studentFrame.getByRole('banner').getByText('ConvLab', { exact: true })).toBeVisible();
  await expect(studentFrame.getByRole('link', { name: 'ConvLab' })).toHaveCount(0);
  expect(await socketAccepted).toMatch(new RegExp(`^${platform.toolBase.replace('http', 'ws')}/socket\\.io/`));
  // Outside the LMS frame, ConvLab's own pages still refuse to be framed.
  const framed = await student.request.get(`${baseURL}/dashboard`);
  expect(framed.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

  // She completes the step in the lab panel (its API calls carry the frame's own sign-in cookie).
  const lab = studentFrame.getByTestId('lab-convolution');
  await expect(lab.getByTestId('output-size')).toContainText('(64 − 3 + 2·1) / 1 + 1 = 64', { timeout: 60_000 });
  await lab.getByRole('group', { name: 'Presets' }).getByRole('button', { name: 'Sobel x', exact: true }).click();
  await lab.getByRole('button', { name: 'Submit my kernel' }).click();
  const attempts = studentFrame.getByTestId('my-attempts');
  await expect(attempts.getByRole('listitem')).toHaveCount(1, { timeout: 30_000 });
  await expect(studentFrame.getByTestId('attempts-kernel')).toContainText('1 of 2 attempts used');
  await student.frame({ url: /\/assignments\// })!.evaluate(() => window.scrollTo(0, 0));
  await snap(student, 'lti-student-assignment-in-lms-iframe', testInfo);
  await student.screenshot({ path: 'docs/lti-student-assignment-in-lms.png' });

  // The instructor opens the same link: her gradebook, in the frame. She grades by hand and releases the grades.
  platform.roster = [grace, ada, { sub: 'e2e-alan', name: 'Alan Turing', roles: [ROLE.learner] }];
  platform.nextBrowserLaunch = { person: grace, claims: linkClaims };
  await teacher.goto(`${platform.browserUrl}/course`);
  const book = teacher.frameLocator('#tool');
  await expect(book.getByRole('heading', { name: 'Kernel homework' })).toBeVisible({ timeout: 30_000 });
  await expect(book.getByRole('columnheader', { name: 'In the LMS' })).toBeVisible();
  await expect(book.getByRole('row', { name: /Ada Lovelace/ })).toContainText('sent when released');
  await book.getByRole('button', { name: "Open Ada Lovelace's submission" }).click();
  await book.getByLabel(/Explains what the kernel finds/).fill('4');
  await book.getByRole('button', { name: 'Save grade' }).click();
  await expect(book.getByRole('row', { name: /Ada Lovelace/ }).getByRole('cell').nth(1)).toContainText(/^4/);
  await book.getByRole('button', { name: 'Close' }).click();
  // The LMS's grade service is down for the first try: the gradebook says so, and "Send again" does not wait for the
  // back-off (had the retry already gone through, the click would find the grade changed and send nothing twice).
  platform.failScores(1);
  await book.getByRole('button', { name: 'Release grades' }).click();
  const adaRow = book.getByRole('row', { name: /Ada Lovelace/ });
  await expect(adaRow).toContainText('retrying after: the grade service answered HTTP 503', { timeout: 20_000 });
  await snap(teacher, 'lti-gradebook-retrying-in-lms-iframe', testInfo);
  await adaRow.getByRole('button', { name: "Send Ada Lovelace's grade to the LMS again" }).click();

  // The grade reaches the LMS's line item once, and the gradebook shows it sent.
  await expect.poll(() => platform.scores.find((s) => s.body.userId === ada.sub)?.body, { timeout: 20_000 }).toMatchObject({ scoreGiven: 4, scoreMaximum: 5, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
  expect(platform.scores.filter((s) => s.body.userId === ada.sub)).toHaveLength(1);
  await expect(adaRow.getByText('sent', { exact: true })).toBeVisible({ timeout: 20_000 });
  await snap(teacher, 'lti-gradebook-sent-in-lms-iframe', testInfo);
  await teacher.screenshot({ path: 'docs/lti-gradebook-in-lms.png' });

  // On ConvLab's LTI page inside the frame: the roster synced from the LMS and the grade marked "sent".
  await inFrame(teacher, /\/courses\//).goto(`${platform.toolBase}/lti/home`);
  const home = teacher.frameLocator('#tool');
  await expect(home.getByText('Signed in from the LMS as Grace Hopper (instructor).')).toBeVisible();
  await home.getByRole('button', { name: 'Sync roster from the LMS' }).click();
  await expect(home.getByRole('cell', { name: 'Alan Turing' })).toBeVisible();
  await expect(home.getByRole('cell', { name: 'sent' })).toBeVisible();
  await snap(teacher, 'lti-instructor-roster-and-grades-in-lms-iframe', testInfo);
  await adminContext.close();
});
