/**
 * The two Prisma schemas and the two migration histories must describe the same models: the PostgreSQL schema
 * is generated from the SQLite one, and each provider's migrations must create exactly the tables and columns
 * of its schema (catches a model edited without a migration, or a migration written for one database only).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postgresSchemaPath, renderPostgresSchema, sqliteSchemaPath } from '../../prisma/sync-schemas.mjs';
import { migrationsDir, readMigrations, type DbKind } from './migrate';

const snapshotPath = new URL('../../prisma/schema.snapshot.prisma', import.meta.url);

const SCALARS = new Set(['String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean', 'DateTime', 'Json', 'Bytes']);

/** Table → sorted column names, from the models of a Prisma schema (scalar fields only; relations have no column). */
function schemaTables(text: string): Record<string, string[]> {
  const tables: Record<string, string[]> = {};
  for (const match of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const columns: string[] = [];
    for (const line of match[2]!.split('\n')) {
      const field = /^\s*(\w+)\s+(\w+)/.exec(line.replace(/\/\/.*$/, ''));
      if (field && SCALARS.has(field[2]!)) columns.push(field[1]!);
    }
    tables[match[1]!] = columns.sort();
  }
  return tables;
}

/** Table → sorted column names, from CREATE TABLE / ALTER TABLE … ADD COLUMN / DROP statements of migrations. */
function migrationTables(kind: DbKind): Record<string, string[]> {
  const tables: Record<string, Set<string>> = {};
  for (const { sql } of readMigrations(migrationsDir(kind))) {
    for (const m of sql.matchAll(/CREATE TABLE "(\w+)" \(([\s\S]*?)\n\);/g)) {
      tables[m[1]!] = new Set([...m[2]!.matchAll(/^\s+"(\w+)"\s+[A-Z]/gm)].map((c) => c[1]!));
    }
    for (const m of sql.matchAll(/ALTER TABLE "(\w+)" ADD COLUMN\s+"(\w+)"/g)) tables[m[1]!]?.add(m[2]!);
    for (const m of sql.matchAll(/ALTER TABLE "(\w+)" DROP COLUMN\s+"(\w+)"/g)) tables[m[1]!]?.delete(m[2]!);
    for (const m of sql.matchAll(/DROP TABLE "(\w+)"/g)) delete tables[m[1]!];
    for (const m of sql.matchAll(/ALTER TABLE "(\w+)" RENAME TO "(\w+)"/g)) {
      tables[m[2]!] = tables[m[1]!]!;
      delete tables[m[1]!];
    }
  }
  // SQLite redefines tables through a "new_" copy that is renamed back.
  for (const name of Object.keys(tables)) if (name.startsWith('new_')) delete tables[name];
  return Object.fromEntries(Object.entries(tables).map(([t, cols]) => [t, [...cols].sort()]));
}

describe('Prisma schemas', () => {
  const sqlite = readFileSync(sqliteSchemaPath, 'utf8');
  const postgres = readFileSync(postgresSchemaPath, 'utf8');

  it('PostgreSQL schema is the one generated from the SQLite schema (run `node prisma/sync-schemas.mjs`)', () => {
    expect(postgres).toBe(renderPostgresSchema(sqlite));
  });

  it('both schemas have the same models, field for field', () => {
    const models = (text: string) => [...text.matchAll(/^model\s+\w+\s*\{[\s\S]*?^\}/gm)].map((m) => m[0]);
    expect(models(postgres)).toEqual(models(sqlite));
    expect(models(sqlite).length).toBeGreaterThanOrEqual(3);
  });

  for (const kind of ['sqlite', 'postgresql'] as const) {
    it(`the ${kind} migrations create exactly the tables and columns of the schema`, () => {
      expect(migrationTables(kind)).toEqual(schemaTables(kind === 'sqlite' ? sqlite : postgres));
    });

    it(`the ${kind} migration_lock.toml names its provider`, () => {
      expect(readFileSync(`${migrationsDir(kind)}/migration_lock.toml`, 'utf8')).toMatch(new RegExp(`^provider = "${kind}"$`, 'm'));
    });
  }

  it('has no model change without a migration (prisma/schema.snapshot.prisma is the schema as last migrated)', () => {
    const models = (text: string) => [...text.matchAll(/^(model|enum)\s+\w+\s*\{[\s\S]*?^\}/gm)].map((m) => m[0]);
    // When this fails: run `node prisma/new-migration.mjs <name>` (see its header).
    expect(models(readFileSync(snapshotPath, 'utf8'))).toEqual(models(sqlite));
  });

  it('both providers have the same migration names', () => {
    expect(readMigrations(migrationsDir('postgresql')).map((m) => m.name)).toEqual(readMigrations(migrationsDir('sqlite')).map((m) => m.name));
  });
});
