#!/usr/bin/env node
// Generates the Prisma clients (server/db/generated/{sqlite,postgresql}, git-ignored) from both schemas.
// Runs at `npm ci` time (postinstall) and works offline: `prisma generate` only needs a schema engine path to
// exist (it never runs it), so we point PRISMA_SCHEMA_ENGINE_BINARY at this very file instead of letting
// Prisma try to download the native engine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const schemas = ['prisma/sqlite/schema.prisma', 'prisma/postgresql/schema.prisma'];

let prismaCli;
try {
  prismaCli = createRequire(join(root, 'package.json')).resolve('prisma/build/index.js');
} catch {
  console.error('prisma-generate: the `prisma` package is not installed (run `npm ci` in the repository root).');
  process.exit(1);
}

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY:
    process.env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync(process.env.PRISMA_SCHEMA_ENGINE_BINARY)
      ? process.env.PRISMA_SCHEMA_ENGINE_BINARY
      : self,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1', // no telemetry ping: installs must work without network
};

for (const schema of schemas) {
  if (!existsSync(join(root, schema))) {
    console.error(`prisma-generate: ${schema} is missing.`);
    process.exit(1);
  }
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    console.error(`prisma-generate: \`prisma generate --schema ${schema}\` failed (exit ${result.status}).`);
    process.exit(result.status ?? 1);
  }
  console.log(`prisma-generate: generated the client for ${schema}`);
}
