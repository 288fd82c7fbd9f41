#!/usr/bin/env node
// Writes prisma/postgresql/schema.prisma from prisma/sqlite/schema.prisma (the source). Prisma fixes the
// provider per schema file, so the two databases need two files with the same models; deriving one from the
// other keeps them equal. `node prisma/sync-schemas.mjs --check` exits 1 when the PostgreSQL file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const sqliteSchemaPath = join(here, 'sqlite', 'schema.prisma');
export const postgresSchemaPath = join(here, 'postgresql', 'schema.prisma');

const HEADER =
  '// GENERATED from prisma/sqlite/schema.prisma by `node prisma/sync-schemas.mjs`: do not edit; edit the SQLite schema.\n';

/** Replaces exactly one match of `pattern` in `text`, failing loudly when the source no longer has it. */
function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'));
  if (!matches || matches.length !== 1) {
    throw new Error(`prisma/sqlite/schema.prisma: expected exactly one ${what}, found ${matches?.length ?? 0}`);
  }
  return text.replace(pattern, replacement);
}

/** Derives the PostgreSQL schema text from the SQLite schema text (provider and client output differ; models are equal). */
export function renderPostgresSchema(sqliteText) {
  let text = replaceOnce(sqliteText, /provider\s*=\s*"sqlite"/, 'provider = "postgresql"', 'datasource provider "sqlite"');
  text = replaceOnce(
    text,
    /output(\s*)=(\s*)"\.\.\/\.\.\/server\/db\/generated\/sqlite"/,
    'output$1=$2"../../server/db/generated/postgresql"',
    'generator output "../../server/db/generated/sqlite"',
  );
  return HEADER + text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const expected = renderPostgresSchema(readFileSync(sqliteSchemaPath, 'utf8'));
  let current = '';
  try {
    current = readFileSync(postgresSchemaPath, 'utf8');
  } catch {
    // missing: written below unless --check
  }
  if (process.argv.includes('--check')) {
    if (current !== expected) {
      console.error('prisma/postgresql/schema.prisma is out of date: run `node prisma/sync-schemas.mjs`.');
      process.exit(1);
    }
    console.log('prisma schemas agree.');
  } else if (current !== expected) {
    writeFileSync(postgresSchemaPath, expected);
    console.log('wrote prisma/postgresql/schema.prisma');
  } else {
    console.log('prisma/postgresql/schema.prisma is up to date.');
  }
}
