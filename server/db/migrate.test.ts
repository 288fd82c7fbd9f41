/** The migration runner on both databases: fresh → current, idempotent, Prisma's bookkeeping, concurrency, failures. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, resolveDatabase } from './index';
import {
  migratePostgres,
  migrateSqlite,
  migrationsDir,
  openSqliteAdmin,
  parsePostgresUrl,
  postgresMigrationStatus,
  readMigrations,
  sqliteMigrationStatus,
  type DbKind,
  type MigrationStatus,
} from './migrate';
import { TEST_PG_URL, freshPostgres, freshSqlite, type TestDatabase } from './test-databases';

interface BookRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: unknown;
  started_at: unknown;
  rolled_back_at: unknown;
  applied_steps_count: number;
  logs: unknown;
}

/** The same operations on either database, so one set of tests covers both. */
interface Driver {
  db: TestDatabase;
  migrate(dir?: string): Promise<MigrationStatus>;
  status(dir?: string): Promise<MigrationStatus>;
  rows(): Promise<BookRow[]>;
  tableExists(name: string): Promise<boolean>;
}

async function driver(kind: DbKind): Promise<Driver> {
  if (kind === 'sqlite') {
    const db = freshSqlite();
    const url = pathToFileURL(join(db.dataDir, 'convlab.db')).href;
    const query = async (sql: string) => {
      const client = openSqliteAdmin(url);
      try {
        return (await client.execute(sql)).rows as unknown as Record<string, unknown>[];
      } finally {
        client.close();
      }
    };
    return {
      db,
      migrate: (dir) => migrateSqlite(url, dir),
      status: (dir) => sqliteMigrationStatus(url, dir),
      rows: async () => (await query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')) as unknown as BookRow[],
      tableExists: async (name) => (await query(`SELECT name FROM sqlite_master WHERE type='table' AND name='${name}'`)).length === 1,
    };
  }
  const db = await freshPostgres();
  const url = db.databaseUrl!;
  const query = async (sql: string) => {
    const client = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${db.schema}"`);
      return (await client.query(sql)).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  return {
    db,
    migrate: (dir) => migratePostgres(url, dir),
    status: (dir) => postgresMigrationStatus(url, dir),
    rows: async () => (await query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name')) as unknown as BookRow[],
    tableExists: async (name) =>
      (await query(`SELECT 1 FROM information_schema.tables WHERE table_schema = '${db.schema}' AND table_name = '${name}'`)).length === 1,
  };
}

/** A copy of a provider's migrations folder that a test may add to. */
function copyMigrations(kind: DbKind): string {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-migrations-'));
  cpSync(migrationsDir(kind), dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'migration.sql'), sql);
}

/** Runs the migration runner in a separate Node process (as a second server would) and returns its status. */
function migrateInChild(kind: DbKind, url: string, startAt: number): Promise<MigrationStatus> {
  const runner = fileURLToPath(new URL('./migrate.ts', import.meta.url));
  const fn = kind === 'sqlite' ? 'migrateSqlite' : 'migratePostgres';
  // Every child loads first, then waits for the same instant, so their migrations really overlap.
  const code =
    `import { ${fn} } from ${JSON.stringify(runner)};` +
    `await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));` +
    `process.stdout.write(JSON.stringify(await ${fn}(${JSON.stringify(url)})));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve(JSON.parse(out) as MigrationStatus) : reject(new Error(`child exited ${status}: ${err}`))));
  });
}

describe('readMigrations', () => {
  it('reads both providers with the same migration names, and checksums are SHA-256 of the files', () => {
    const sqlite = readMigrations(migrationsDir('sqlite'));
    const postgres = readMigrations(migrationsDir('postgresql'));
    expect(sqlite.length).toBeGreaterThan(0);
    expect(sqlite.map((m) => m.name)).toEqual(postgres.map((m) => m.name));
    for (const m of sqlite) {
      const bytes = readFileSync(join(migrationsDir('sqlite'), m.name, 'migration.sql'));
      expect(m.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(m.name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    }
  });

  it('fails clearly on a missing folder', () => {
    expect(() => readMigrations('/nonexistent/migrations')).toThrow(/migrations folder not found/);
  });
});

describe('resolveDatabase', () => {
  it('defaults to <dataDir>/convlab.db and recognizes postgres URLs and file: paths', () => {
    expect(resolveDatabase({ dataDir: '/srv/data' })).toMatchObject({ kind: 'sqlite', location: '/srv/data/convlab.db' });
    expect(resolveDatabase({ dataDir: '/srv/data', databaseUrl: '  ' })).toMatchObject({ kind: 'sqlite' });
    expect(resolveDatabase({ dataDir: 'x', databaseUrl: 'postgres://u:secret@h:5432/db' })).toMatchObject({
      kind: 'postgresql',
      location: 'postgres://u:***@h:5432/db',
    });
    expect(resolveDatabase({ dataDir: 'x', databaseUrl: 'file:/tmp/a.db' })).toMatchObject({ kind: 'sqlite', location: '/tmp/a.db' });
  });

  it('creates a missing data dir, also one with spaces and non-ASCII characters', async () => {
    const base = mkdtempSync(join(tmpdir(), 'convlab-dir-'));
    try {
      const dataDir = join(base, 'my data', 'ünï');
      const opened = await openStore({ dataDir });
      expect(opened.location).toBe(join(dataDir, 'convlab.db'));
      expect((await opened.migrationStatus()).current).toBe(true);
      await opened.close();
      expect(readFileSync(join(dataDir, 'convlab.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('refuses a URL of another database with a clear message', () => {
    expect(() => resolveDatabase({ dataDir: 'x', databaseUrl: 'mysql://h/db' })).toThrow(/postgresql:\/\/.*file:/);
  });
});

for (const kind of ['sqlite', 'postgresql'] as const) {
  describe.skipIf(kind === 'postgresql' && !TEST_PG_URL)(`migration runner on ${kind}`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    async function fresh(): Promise<Driver> {
      const d = await driver(kind);
      cleanups.push(() => d.db.drop());
      return d;
    }
    function migrationsCopy(): string {
      const dir = copyMigrations(kind);
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    }
    const local = readMigrations(migrationsDir(kind));

    it('brings a fresh database to current and records each migration as Prisma does', async () => {
      const d = await fresh();
      const before = await d.status();
      expect(before).toMatchObject({ current: false, applied: [], pending: local.map((m) => m.name) });

      const after = await d.migrate();
      expect(after).toEqual({ current: true, applied: local.map((m) => m.name), pending: [], modified: [], failed: [] });
      expect(await d.status()).toEqual(after);

      const rows = await d.rows();
      expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(local.map((m) => [m.name, m.checksum]));
      for (const row of rows) {
        expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(row.finished_at).not.toBeNull();
        expect(row.started_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
        expect(Number(row.applied_steps_count)).toBe(1);
      }
      for (const table of ['Instructor', 'LiveSession', 'Participant']) expect(await d.tableExists(table)).toBe(true);
    });

    it('does nothing when run again', async () => {
      const d = await fresh();
      await d.migrate();
      const rows = await d.rows();
      const again = await d.migrate();
      expect(again.current).toBe(true);
      expect(await d.rows()).toEqual(rows);
    });

    it('reports a new migration as pending, then applies only that one', async () => {
      const d = await fresh();
      await d.migrate();
      const firstRows = await d.rows();
      const dir = migrationsCopy();
      addMigration(dir, '20991231000000_add_note', 'CREATE TABLE "Note" ("id" TEXT NOT NULL PRIMARY KEY, "body" TEXT NOT NULL);\n');
      expect(await d.status(dir)).toMatchObject({ current: false, pending: ['20991231000000_add_note'] });
      const after = await d.migrate(dir);
      expect(after).toMatchObject({ current: true, pending: [], applied: [...local.map((m) => m.name), '20991231000000_add_note'] });
      expect(await d.tableExists('Note')).toBe(true);
      const rows = await d.rows();
      expect(rows.slice(0, firstRows.length)).toEqual(firstRows);
      expect(rows).toHaveLength(firstRows.length + 1);
    });

    it('rolls a failing migration back completely and names it in the error', async () => {
      const d = await fresh();
      const dir = migrationsCopy();
      addMigration(dir, '20991231000000_broken', 'CREATE TABLE "Half" ("id" TEXT NOT NULL PRIMARY KEY);\nTHIS IS NOT SQL;\n');
      await expect(d.migrate(dir)).rejects.toThrow(/migration 20991231000000_broken failed/);
      expect(await d.tableExists('Half')).toBe(false);
      const status = await d.status(dir);
      // Earlier migrations went in (each in its own transaction); the broken one left no trace.
      expect(status).toMatchObject({ current: false, applied: local.map((m) => m.name), pending: ['20991231000000_broken'], failed: [] });
    });

    it('flags an applied migration whose file changed', async () => {
      const d = await fresh();
      await d.migrate();
      const dir = migrationsCopy();
      appendFileSync(join(dir, local[0]!.name, 'migration.sql'), '\n-- edited after it was applied\n');
      expect(await d.status(dir)).toMatchObject({ current: true, modified: [local[0]!.name] });
    });

    it('refuses to go on past a migration that a crashed `prisma migrate deploy` left unfinished', async () => {
      const d = await fresh();
      await d.migrate();
      const dir = migrationsCopy();
      addMigration(dir, '20991231000000_add_note', 'CREATE TABLE "Note" ("id" TEXT NOT NULL PRIMARY KEY);\n');
      const url = kind === 'sqlite' ? pathToFileURL(join(d.db.dataDir, 'convlab.db')).href : d.db.databaseUrl!;
      const insert = `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, applied_steps_count) VALUES ('00000000-0000-0000-0000-000000000000', 'x', '20991231000000_add_note', 0)`;
      if (kind === 'sqlite') {
        const client = openSqliteAdmin(url);
        await client.execute(insert);
        client.close();
      } else {
        const client = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString });
        await client.connect();
        await client.query(`SET search_path TO "${d.db.schema}"`);
        await client.query(insert);
        await client.end();
      }
      expect(await d.status(dir)).toMatchObject({ current: false, failed: ['20991231000000_add_note'] });
      await expect(d.migrate(dir)).rejects.toThrow(/never finished/);
    });

    it('is safe when several processes migrate the same fresh database at once', async () => {
      const d = await fresh();
      const url = kind === 'sqlite' ? pathToFileURL(join(d.db.dataDir, 'convlab.db')).href : d.db.databaseUrl!;
      const startAt = Date.now() + 3000;
      const statuses = await Promise.all(Array.from({ length: 3 }, () => migrateInChild(kind, url, startAt)));
      for (const status of statuses) expect(status).toMatchObject({ current: true, pending: [], failed: [] });
      expect((await d.rows()).map((r) => r.migration_name)).toEqual(local.map((m) => m.name));
    });

    it('is safe when one process opens the same fresh database several times at once', async () => {
      const d = await fresh();
      const opened = await Promise.all(
        Array.from({ length: 4 }, () => openStore({ databaseUrl: d.db.databaseUrl, dataDir: d.db.dataDir })),
      );
      try {
        for (const o of opened) expect((await o.migrationStatus()).current).toBe(true);
        expect((await d.rows()).map((r) => r.migration_name)).toEqual(local.map((m) => m.name));
        // Every store works on the one database.
        const created = await opened[0]!.store.createInstructor({ email: 'x@example.org', name: 'X', passwordHash: 'h' });
        expect(await opened[3]!.store.findInstructorById(created.id)).toEqual(created);
      } finally {
        await Promise.all(opened.map((o) => o.close()));
      }
    });
  });
}
