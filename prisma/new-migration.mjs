#!/usr/bin/env node
// Writes a new migration for BOTH databases after a change to prisma/sqlite/schema.prisma:
//
//   PRISMA_DIFF_PG_URL=postgresql://postgres@127.0.0.1:5432/test node prisma/new-migration.mjs add_submissions
//
// Why this exists: Prisma 7's `migrate dev` needs a native schema engine that only downloads from Prisma's own
// host. Prisma 6.19's wasm schema engine (`engine: "js"` in its config) can still diff two datamodels, so this
// script keeps a Prisma 6.19 toolchain under node_modules/.cache (installed once from the npm registry) and
// diffs prisma/schema.snapshot.prisma (the schema as of the latest migration) against the current schema.
// The PostgreSQL diff needs a reachable PostgreSQL server (nothing is written to it). Review the SQL it writes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresSchemaPath, renderPostgresSchema, sqliteSchemaPath } from './sync-schemas.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
export const snapshotPath = join(here, 'schema.snapshot.prisma');
const PRISMA6 = '6.19.3';
const toolchain = process.env.PRISMA6_TOOLCHAIN ?? join(root, 'node_modules', '.cache', 'convlab-prisma6');

function fail(message) {
  console.error(`new-migration: ${message}`);
  process.exit(1);
}

const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) fail('usage: node prisma/new-migration.mjs <snake_case_name>');
const pgUrl = process.env.PRISMA_DIFF_PG_URL ?? process.env.CONVLAB_TEST_PG_URL;
if (!pgUrl) fail('set PRISMA_DIFF_PG_URL to any reachable PostgreSQL server (used read-only, for the PostgreSQL diff)');

// 1. Both schemas up to date.
const sqliteSchema = readFileSync(sqliteSchemaPath, 'utf8');
writeFileSync(postgresSchemaPath, renderPostgresSchema(sqliteSchema));

// 2. The Prisma 6.19 toolchain (once).
const cli = join(toolchain, 'node_modules', 'prisma', 'build', 'index.js');
if (!existsSync(cli)) {
  console.log(`new-migration: installing prisma@${PRISMA6} and its driver adapters into ${toolchain} (once)…`);
  mkdirSync(toolchain, { recursive: true });
  writeFileSync(join(toolchain, 'package.json'), '{ "private": true }\n');
  const install = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', `prisma@${PRISMA6}`, `@prisma/adapter-libsql@${PRISMA6}`, `@prisma/adapter-pg@${PRISMA6}`],
    { cwd: toolchain, stdio: 'inherit' },
  );
  if (install.status !== 0) fail('npm install of the Prisma 6.19 toolchain failed');
}

// The config lives in the toolchain folder so that its imports resolve there.
const configPath = join(toolchain, 'diff.config.mjs');
writeFileSync(
  configPath,
  `import { defineConfig } from 'prisma/config';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () =>
    process.env.DIFF_PROVIDER === 'postgresql'
      ? new PrismaPg({ connectionString: process.env.PRISMA_DIFF_PG_URL })
      : new PrismaLibSQL({ url: ':memory:' }),
});
`,
);

const work = mkdtempSync(join(tmpdir(), 'convlab-new-migration-'));

/** Prisma 6 insists on a url in the datasource block; the diff never uses it. */
function withUrl(schemaText, provider) {
  const url = provider === 'sqlite' ? '"file:./unused.db"' : 'env("PRISMA_DIFF_PG_URL")';
  return schemaText.replace(`provider = "${provider}"`, `provider = "${provider}"\n  url      = ${url}`);
}

/** The SQL that takes the `from` schema (null: empty database) to the `to` schema. */
function diff(provider, fromText, toText) {
  const to = join(work, `${provider}.to.prisma`);
  writeFileSync(to, withUrl(toText, provider));
  const args = [cli, 'migrate', 'diff', '--config', configPath, '--to-schema-datamodel', to, '--script'];
  if (fromText === null) args.push('--from-empty');
  else {
    const from = join(work, `${provider}.from.prisma`);
    writeFileSync(from, withUrl(fromText, provider));
    args.push('--from-schema-datamodel', from);
  }
  const fake = join(work, 'no-engine');
  writeFileSync(fake, '');
  const result = spawnSync(process.execPath, args, {
    cwd: toolchain,
    encoding: 'utf8',
    env: {
      ...process.env,
      DIFF_PROVIDER: provider,
      PRISMA_DIFF_PG_URL: pgUrl,
      // Point the engines at a placeholder so nothing is downloaded; the wasm engine does the work.
      PRISMA_SCHEMA_ENGINE_BINARY: fake,
      PRISMA_QUERY_ENGINE_LIBRARY: fake,
      CHECKPOINT_DISABLE: '1',
    },
  });
  if (result.status !== 0) fail(`prisma migrate diff (${provider}) failed:\n${result.stdout}\n${result.stderr}`);
  // The wasm engine adds this for PostgreSQL; Prisma's usual migrations do not (and `public` always exists).
  return result.stdout.replace(/-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/, '');
}

try {
  const snapshot = existsSync(snapshotPath) ? readFileSync(snapshotPath, 'utf8') : null;
  const sqliteSql = diff('sqlite', snapshot, sqliteSchema);
  if (/^-- This is an empty migration\.\s*$/.test(sqliteSql.trim())) {
    console.log('new-migration: the schema has not changed since the last migration; nothing written.');
    process.exit(0);
  }
  const postgresSql = diff('postgresql', snapshot === null ? null : renderPostgresSchema(snapshot), renderPostgresSchema(sqliteSchema));
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  for (const [provider, sql] of [
    ['sqlite', sqliteSql],
    ['postgresql', postgresSql],
  ]) {
    const dir = join(here, provider, 'migrations', `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'migration.sql'), sql);
    console.log(`new-migration: wrote ${join('prisma', provider, 'migrations', `${stamp}_${name}`, 'migration.sql')}`);
  }
  copyFileSync(sqliteSchemaPath, snapshotPath);
  console.log('new-migration: updated prisma/schema.snapshot.prisma. Review the SQL, then run `node scripts/prisma-generate.mjs`.');
} finally {
  rmSync(work, { recursive: true, force: true });
}
