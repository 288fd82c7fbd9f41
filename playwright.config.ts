/**
 * End-to-end tests in Debian's headless Chromium (never a Playwright browser download).
 * The web server is the real ConvLab server (Next.js + Socket.io in one process) on a free port with a
 * throwaway data directory and SQLite. It runs `next start`-style production mode, so `.next` must be
 * built first (`npm test` runs `next build`); set CONVLAB_E2E_DEV=1 to use Next's dev mode instead.
 *
 * Env: CHROMIUM_PATH (default /usr/bin/chromium), CONVLAB_E2E_PORT, CONVLAB_E2E_DATA_DIR,
 * CONVLAB_E2E_DATABASE_URL (default: SQLite in the data dir), CONVLAB_E2E_DEV, and
 * CONVLAB_E2E_BASE_URL to test a server that is already running (no server is started then).
 */
import { defineConfig } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Asks the OS for a free TCP port (synchronously: the config must be a plain object). */
function freePort(): number {
  const script = "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
}

// The runner and each worker load this file; the runner decides once and workers inherit its env.
process.env.CONVLAB_E2E_PORT ||= String(freePort());
process.env.CONVLAB_E2E_DATA_DIR ||= mkdtempSync(join(tmpdir(), 'convlab-e2e-'));

const port = Number(process.env.CONVLAB_E2E_PORT);
const external = process.env.CONVLAB_E2E_BASE_URL?.replace(/\/+$/, '');
const baseURL = external || `http://127.0.0.1:${port}`;
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(`Chromium not found at ${chromium}. Install it with "apt-get install -y chromium" or set CHROMIUM_PATH.`);
}

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.e2e.ts',
  // A subfolder: Playwright empties its outputDir, and npm test keeps other reports in test-results/.
  outputDir: 'test-results/e2e',
  // Several browser contexts talk to one server; on a 2-core machine one worker is the honest setting.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL,
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: external
    ? undefined
    : {
        command: 'npx tsx server/index.ts',
        url: `${baseURL}/api/health`,
        reuseExistingServer: false,
        timeout: 180_000,
        stdout: 'pipe',
        stderr: 'pipe',
        env: {
          ...(process.env as Record<string, string>),
          PORT: String(port),
          HOST: '127.0.0.1',
          CONVLAB_DATA_DIR: process.env.CONVLAB_E2E_DATA_DIR!,
          // Hermetic by default: a fresh SQLite file, whatever DATABASE_URL the shell has for other suites.
          DATABASE_URL: process.env.CONVLAB_E2E_DATABASE_URL ?? '',
          CONVLAB_PUBLIC_URL: '',
          // tests/e2e/support.ts signs this admin up to approve the instructors the tests create.
          CONVLAB_ADMIN_EMAIL: 'admin@e2e.example.org',
          NODE_ENV: process.env.CONVLAB_E2E_DEV === '1' ? 'development' : 'production',
          // Uploaded models over 10 MB are computed on the server only (onnx-upload.e2e.ts uploads one of each kind).
          CONVLAB_BROWSER_MODEL_MAX_MB: '10',
          NEXT_TELEMETRY_DISABLED: '1',
        },
      },
});
