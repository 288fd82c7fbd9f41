/**
 * LTI 1.3 as a new user meets it, in headless Chromium: the admin registers the test platform on /admin/lti, then
 * the LMS's course page (another site: lms.test, mapped to this machine) frames ConvLab; the launch runs inside the
 * iframe (login initiation → the platform's authorization → the signed launch) with SameSite=None cookies, for a
 * student and then for the instructor, who syncs the roster from inside the frame. The cookies are SameSite=None,
 * Secure and Partitioned: Playwright's contexts block other third-party cookies, as private windows do.
 */
import { expect, test } from '@playwright/test';
import { ROLE, startTestPlatform, type Person, type TestPlatform } from '../lti-platform/test-platform';
import { ADMIN_EMAIL, CHROMIUM, snap } from './support';

const LMS_HOST = 'lms.test';

test.use({
  launchOptions: {
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--host-resolver-rules=MAP ${LMS_HOST} 127.0.0.1`],
  },
});

const ada: Person = { sub: 'e2e-ada', name: 'Ada Lovelace', roles: [ROLE.learner] };
const grace: Person = { sub: 'e2e-grace', name: 'Grace Hopper', roles: [ROLE.instructor] };

let platform: TestPlatform;
test.afterAll(() => platform?.close());

test('an LMS course frames ConvLab: registration, student and instructor launches, roster sync', async ({ browser, baseURL }, testInfo) => {
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

  // A student opens the assignment link in the LMS: ConvLab launches inside the LMS's iframe.
  const student = await (await browser.newContext()).newPage();
  platform.nextBrowserLaunch = { person: ada, claims: platform.resourceLinkClaims('e2e-link') };
  await student.goto(`${platform.browserUrl}/course`);
  const studentFrame = student.frameLocator('#tool');
  await expect(studentFrame.getByText('Signed in from the LMS as Ada Lovelace (student).')).toBeVisible();
  await snap(student, 'lti-student-in-lms-iframe', testInfo);
  // Outside the LMS frame, ConvLab's own pages still refuse to be framed.
  const framed = await student.request.get(`${baseURL}/dashboard`);
  expect(framed.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

  // The instructor launches too and syncs the roster from inside the frame (a form post with the frame's cookies).
  const teacher = await (await browser.newContext()).newPage();
  platform.roster = [grace, ada, { sub: 'e2e-alan', name: 'Alan Turing', roles: [ROLE.learner] }];
  platform.nextBrowserLaunch = { person: grace, claims: platform.resourceLinkClaims('e2e-link') };
  await teacher.goto(`${platform.browserUrl}/course`);
  const teacherFrame = teacher.frameLocator('#tool');
  await expect(teacherFrame.getByText('Signed in from the LMS as Grace Hopper (instructor).')).toBeVisible();
  await teacherFrame.getByRole('button', { name: 'Sync roster from the LMS' }).click();
  await expect(teacherFrame.getByRole('cell', { name: 'Alan Turing' })).toBeVisible();
  await snap(teacher, 'lti-instructor-roster-in-lms-iframe', testInfo);
  await adminContext.close();
});
