/**
 * Restart safety as people see it: a server of this test's own (same production build, its own port and
 * data directory) is killed with SIGKILL mid-session and started again on the same port. The student and
 * the instructor pages show "reconnecting", then come back by themselves to the same step with the same
 * identity, and the instructor can drive again.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `tsx server/index.ts` in its own process group (so SIGKILL takes tsx's child too) and waits for health. */
async function startServer(port: number, dataDir: string, request: APIRequestContext): Promise<ChildProcess> {
  const child = spawn(join(process.cwd(), 'node_modules', '.bin', 'tsx'), ['server/index.ts'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CONVLAB_DATA_DIR: dataDir,
      DATABASE_URL: '',
      CONVLAB_PUBLIC_URL: '',
      NODE_ENV: process.env.CONVLAB_E2E_DEV === '1' ? 'development' : 'production',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  await expect
    .poll(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr}`);
        return (await request.get(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status() ?? 0;
      },
      { timeout: 90_000, intervals: [250] },
    )
    .toBe(200);
  return child;
}

function killHard(child: ChildProcess) {
  if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
}

test('SIGKILL mid-session: students and the instructor reconnect by themselves to the same step', async ({ browser, playwright }) => {
  const request = await playwright.request.newContext();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-e2e-restart-'));
  let server = await startServer(port, dataDir, request);
  try {
    // Instructor and session through the JSON API (the UI path is covered by live-session.e2e.ts).
    const teacherContext = await browser.newContext({ baseURL: base });
    const signup = await teacherContext.request.post('/api/auth/signup', {
      data: { email: `restart-${Date.now()}@example.org`, password: 'correct horse battery', name: 'Grace' },
      headers: { origin: base },
    });
    expect(signup.status()).toBe(201);
    const created = await teacherContext.request.post('/api/sessions', {
      data: {
        title: 'Restart drill',
        steps: ['One', 'Two', 'Three'].map((t, i) => ({ kind: 'slide', id: `s${i}`, title: `Step ${t}`, markdown: `Slide ${t}` })),
      },
      headers: { origin: base },
    });
    expect(created.status()).toBe(201);
    const { session } = (await created.json()) as { session: { id: string; code: string } };

    const teacher = await teacherContext.newPage();
    await teacher.goto(`/teach/${session.id}`);
    const studentContext = await browser.newContext({ baseURL: base });
    const student = await studentContext.newPage();
    await student.goto(`/join/${session.code}`);
    await student.getByLabel('Your name').fill('Rita');
    await student.getByRole('button', { name: 'Join session' }).click();
    await expect(student.getByRole('heading', { level: 1, name: 'Step One' })).toBeVisible();
    await expect(teacher.locator('[data-testid="presence-row"][data-presence="online"]')).toHaveCount(1);
    await teacher.getByRole('button', { name: 'Next', exact: true }).click();
    await expect(student.getByRole('heading', { level: 1, name: 'Step Two' })).toBeVisible();
    const participantId = await student.getByTestId('student-view').getAttribute('data-participant-id');

    killHard(server);
    await expect(student.getByTestId('reconnecting-banner')).toBeVisible({ timeout: 20_000 });
    await expect(teacher.getByTestId('reconnecting-banner')).toBeVisible({ timeout: 20_000 });
    // The last known step stays on screen while the server is away.
    await expect(student.getByRole('heading', { level: 1, name: 'Step Two' })).toBeVisible();

    server = await startServer(port, dataDir, request);
    await expect(student.getByTestId('reconnecting-banner')).toBeHidden({ timeout: 30_000 });
    await expect(teacher.getByTestId('reconnecting-banner')).toBeHidden({ timeout: 30_000 });
    await expect(student.getByTestId('student-view')).toHaveAttribute('data-participant-id', participantId!);
    await expect(student.getByTestId('student-step-counter')).toHaveText('Step 2 of 3');
    await expect(teacher.locator('[data-testid="presence-row"][data-presence="online"]')).toHaveCount(1);

    await teacher.getByRole('button', { name: 'Next', exact: true }).click();
    await expect(student.getByRole('heading', { level: 1, name: 'Step Three' })).toBeVisible();
    await Promise.all([teacherContext.close(), studentContext.close()]);
  } finally {
    killHard(server);
    await request.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
