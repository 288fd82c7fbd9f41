#!/usr/bin/env node
// `npm test`: the whole suite — the type checks (the repository, then each package's own configs), the lint rules
// that guard the boundaries between the parts, unit and integration tests (Vitest, on SQLite and, when
// CONVLAB_TEST_PG_URL is set, on PostgreSQL too), then the end-to-end tests in headless Chromium (Playwright) against
// a production build. A failed check fails the run; the tests run anyway.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfStale, root } from './build-if-stale.mjs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`Chromium not found at ${chromium}. Install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
if (process.env.CONVLAB_TEST_PG_URL) console.log(`PostgreSQL suites: ON (${process.env.CONVLAB_TEST_PG_URL})`);
else console.log('PostgreSQL suites: not configured — set CONVLAB_TEST_PG_URL=postgresql://… to run them too.');

const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

/** Runs a command in the repository root, streaming its output; returns its exit status. */
function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } });
  return result.status ?? 1;
}

const typecheckStatus = run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
if (typecheckStatus !== 0) console.error('Type check failed (see above); running the tests anyway.');
const packagesStatus = run('node', ['scripts/typecheck-packages.mjs']);
if (packagesStatus !== 0) console.error('Package type checks failed (see above); running the tests anyway.');
const lintStatus = run('npx', ['eslint', '.']);
if (lintStatus !== 0) console.error('Lint failed (see above); running the tests anyway.');

const vitestJson = join(reports, 'vitest.json');
const unitStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);

// The reliability script: 300 students, SIGKILL during a burst, restart, retries; fuzzing (bounded, loopback only).
const reliabilityLog = join(reports, 'reliability.log');
const reliability = spawnSync('npx', ['tsx', 'scripts/reliability.ts'], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
process.stdout.write(reliability.stdout ?? '');
process.stderr.write(reliability.stderr ?? '');
writeFileSync(reliabilityLog, `${reliability.stdout ?? ''}${reliability.stderr ?? ''}`);
const reliabilityStatus = reliability.status ?? 1;

buildIfStale();
const playwrightJson = join(reports, 'playwright.json');
const e2eStatus = run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });

/** Reads passed/failed counts from a runner's JSON report. */
function counts(file, read) {
  try {
    return read(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return { passed: 0, failed: 1 };
  }
}
const unit = counts(vitestJson, (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests }));
const e2e = counts(playwrightJson, (r) => ({ passed: r.stats.expected, failed: r.stats.unexpected }));
// Its closing line: `reliability: N passed, M failed`.
const closing = /reliability: (\d+) passed, (\d+) failed/.exec(reliability.stdout ?? '');
const rel = closing ? { passed: Number(closing[1]), failed: Number(closing[2]) } : { passed: 0, failed: 1 };
const verdict = (status) => (status === 0 ? 'ok' : 'FAILED');
console.log(`\nchecks: type check ${verdict(typecheckStatus)}, package type checks ${verdict(packagesStatus)}, lint ${verdict(lintStatus)}`);
console.log(`unit+integration (Vitest): ${unit.passed} passed, ${unit.failed} failed`);
console.log(`reliability (scripts/reliability.ts): ${rel.passed} passed, ${rel.failed} failed`);
console.log(`end-to-end (Playwright): ${e2e.passed} passed, ${e2e.failed} failed`);
console.log(`total: ${unit.passed + rel.passed + e2e.passed} passed, ${unit.failed + rel.failed + e2e.failed} failed`);
process.exit(typecheckStatus || packagesStatus || lintStatus || unitStatus || reliabilityStatus || e2eStatus);
