// Builds the Next.js app when `.next` is missing or older than its sources. Shared by `npm start` and `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = ['app', 'components', 'packages', 'next.config.ts', 'postcss.config.mjs', 'package-lock.json'];

/** Newest modification time under a path, skipping dependencies and dot-folders. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Runs `next build` if needed; exits the process when the build fails. */
export function buildIfStale() {
  const buildId = join(root, '.next', 'BUILD_ID');
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  const sourcesAt = Math.max(...sources.map((s) => newestMtime(join(root, s))));
  if (builtAt >= sourcesAt && process.env.CONVLAB_REBUILD !== '1') return;
  console.log(builtAt ? 'Sources changed since the last build: rebuilding the web app…' : 'Building the web app (about a minute)…');
  const build = spawnSync('npx', ['next', 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
