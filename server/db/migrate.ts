/**
 * ConvLab's own migration runner. The Prisma CLI's `migrate deploy` needs a native schema engine that cannot be
 * installed everywhere, so the server applies `prisma/<provider>/migrations/<name>/migration.sql` itself at
 * start-up. It keeps Prisma's bookkeeping exactly (table `_prisma_migrations`, same columns, checksum = SHA-256
 * of the file), so `prisma migrate deploy`/`status` keep working on the same database wherever the CLI runs.
 *
 * Each migration runs in its own transaction together with its bookkeeping row, so a failed migration leaves
 * nothing behind. Two processes starting at once are serialized: PostgreSQL by the advisory lock Prisma itself
 * uses, SQLite by `BEGIN IMMEDIATE` (the write lock) with a busy timeout.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client as LibsqlClient } from '@libsql/client';
import pg from 'pg';

export type DbKind = 'sqlite' | 'postgresql';

/** One migration folder on disk. */
export interface LocalMigration {
  name: string;
  sql: string;
  /** Hex SHA-256 of migration.sql, as Prisma records it. */
  checksum: string;
}

/** Where the database stands against the migrations shipped with this build. */
export interface MigrationStatus {
  /** True when every local migration is applied and none failed. */
  current: boolean;
  /** Names of applied migrations, oldest first. */
  applied: string[];
  /** Local migrations not applied yet. */
  pending: string[];
  /** Applied migrations whose migration.sql changed since (a warning: Prisma's `migrate dev` would refuse). */
  modified: string[];
  /** Migrations recorded as started but never finished (left by a crashed `prisma migrate deploy`). */
  failed: string[];
}

/** Same key as Prisma Migrate, so our runner and `prisma migrate deploy` exclude each other. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;
/** How long a SQLite connection waits for another process's write lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

/** The migrations folder of a provider in this checkout. */
export function migrationsDir(kind: DbKind): string {
  return fileURLToPath(new URL(`../../prisma/${kind}/migrations`, import.meta.url));
}

/** Reads the migrations of a folder in Prisma's layout, ordered by name (Prisma's order). */
export function readMigrations(dir: string): LocalMigration[] {
  if (!existsSync(dir)) throw new Error(`migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/** Compares the database's bookkeeping rows with the local migrations. */
function computeStatus(local: LocalMigration[], rows: AppliedRow[]): MigrationStatus {
  const live = rows.filter((row) => row.rolled_back_at === null || row.rolled_back_at === undefined);
  const finished = new Map(live.filter((row) => row.finished_at != null).map((row) => [row.migration_name, row.checksum]));
  const failed = live.filter((row) => row.finished_at == null).map((row) => row.migration_name);
  const applied = local.filter((m) => finished.has(m.name)).map((m) => m.name);
  const pending = local.filter((m) => !finished.has(m.name)).map((m) => m.name);
  const modified = local.filter((m) => finished.has(m.name) && finished.get(m.name) !== m.checksum).map((m) => m.name);
  // Migrations applied by a newer build are listed too: the database is ahead, which is still "current" for us.
  for (const name of finished.keys()) if (!applied.includes(name)) applied.push(name);
  applied.sort();
  return { current: pending.length === 0 && failed.length === 0, applied, pending, modified, failed };
}

function failedError(failed: string[]): Error {
  return new Error(
    `migration(s) ${failed.join(', ')} started earlier but never finished; repair the database, then run ` +
      '`prisma migrate resolve --rolled-back <name>` (or delete the row from _prisma_migrations) and start again',
  );
}

// ---------------------------------------------------------------- SQLite

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** Opens a plain libsql connection pool for migrations (separate from Prisma's). */
export function openSqliteAdmin(url: string): LibsqlClient {
  return createClient({ url, timeout: SQLITE_BUSY_TIMEOUT_MS });
}

async function readSqliteRows(db: Pick<LibsqlClient, 'execute'>): Promise<AppliedRow[]> {
  const table = await db.execute(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`);
  if (table.rows.length === 0) return [];
  const result = await db.execute('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
  return result.rows.map((row) => ({
    migration_name: String(row.migration_name),
    checksum: String(row.checksum),
    finished_at: row.finished_at,
    rolled_back_at: row.rolled_back_at,
  }));
}

/**
 * Migrations of one SQLite file run one at a time within this process. libsql waits for a busy lock
 * synchronously, so a second in-process connection waiting on BEGIN IMMEDIATE would block the event loop
 * while the first one holds the lock: a deadlock until the busy timeout. Other processes just wait.
 */
const sqliteQueues = new Map<string, Promise<unknown>>();

/** Now, as Prisma writes it into `_prisma_migrations` on SQLite: `2026-01-02T03:04:05.678+00:00`. */
function prismaInstant(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}

/** Applies pending migrations to a SQLite database (`file:` URL); returns the resulting status. */
export function migrateSqlite(url: string, dir = migrationsDir('sqlite')): Promise<MigrationStatus> {
  const previous = sqliteQueues.get(url) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => migrateSqliteNow(url, dir));
  sqliteQueues.set(url, run);
  void run.finally(() => {
    if (sqliteQueues.get(url) === run) sqliteQueues.delete(url);
  }).catch(() => undefined);
  return run;
}

async function migrateSqliteNow(url: string, dir: string): Promise<MigrationStatus> {
  const local = readMigrations(dir);
  const db = openSqliteAdmin(url);
  try {
    // WAL lets readers go on while one writer works; the setting is stored in the file.
    await db.execute('PRAGMA journal_mode = WAL');
    for (;;) {
      // BEGIN IMMEDIATE takes the write lock before we look, so two processes never apply the same migration.
      const tx = await db.transaction('write');
      try {
        await tx.execute(SQLITE_TABLE);
        const status = computeStatus(local, await readSqliteRows(tx));
        if (status.failed.length > 0) throw failedError(status.failed);
        const next = local.find((m) => m.name === status.pending[0]);
        if (!next) {
          await tx.commit();
          return status;
        }
        // Prisma's current (JS) migration engine stores these instants as ISO text with an explicit offset.
        const startedAt = prismaInstant();
        try {
          await tx.executeMultiple(next.sql);
        } catch (error) {
          throw new Error(`migration ${next.name} failed: ${(error as Error).message}`, { cause: error });
        }
        await tx.execute({
          sql: `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
                VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
          args: [randomUUID(), next.checksum, prismaInstant(), next.name, startedAt],
        });
        await tx.commit();
      } catch (error) {
        await tx.rollback().catch(() => undefined);
        throw error;
      } finally {
        tx.close();
      }
    }
  } finally {
    db.close();
  }
}

/** Reads the migration status of a SQLite database without changing it. */
export async function sqliteMigrationStatus(url: string, dir = migrationsDir('sqlite')): Promise<MigrationStatus> {
  const db = openSqliteAdmin(url);
  try {
    return computeStatus(readMigrations(dir), await readSqliteRows(db));
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------- PostgreSQL

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** A PostgreSQL URL split into what `pg` understands and Prisma's `?schema=` parameter. */
export interface PostgresTarget {
  connectionString: string;
  /** The schema holding ConvLab's tables (`?schema=` in the URL, as with Prisma); `public` by default. */
  schema: string;
}

/** Splits Prisma's `schema` query parameter off a PostgreSQL URL (node-postgres does not know it). */
export function parsePostgresUrl(databaseUrl: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL is not a valid postgresql:// URL');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql:// or postgres:// (got ${url.protocol}//)`);
  }
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}

/** Quotes a PostgreSQL identifier (schema or table name). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Connects a plain `pg` client whose search_path is the target schema (created when missing). */
async function connectPostgresAdmin(target: PostgresTarget): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    if (target.schema !== 'public') {
      // Two nodes starting at once on a fresh schema may both get past IF NOT EXISTS; the loser's unique violation is harmless.
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`).catch((err: { code?: string }) => {
        if (err.code !== '23505') throw err;
      });
    }
    await client.query(`SET search_path TO ${quoteIdent(target.schema)}`);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

async function readPostgresRows(client: pg.Client | pg.Pool, schema: string): Promise<AppliedRow[]> {
  const table = `${quoteIdent(schema)}."_prisma_migrations"`;
  const exists = await client.query('SELECT to_regclass($1) AS t', [table]);
  if (exists.rows[0].t === null) return [];
  const result = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${table}`,
  );
  return result.rows;
}

/** Applies pending migrations to a PostgreSQL database; returns the resulting status. */
export async function migratePostgres(databaseUrl: string, dir = migrationsDir('postgresql')): Promise<MigrationStatus> {
  const local = readMigrations(dir);
  const target = parsePostgresUrl(databaseUrl);
  const client = await connectPostgresAdmin(target);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    try {
      await client.query(POSTGRES_TABLE);
      for (;;) {
        const status = computeStatus(local, await readPostgresRows(client, target.schema));
        if (status.failed.length > 0) throw failedError(status.failed);
        const next = local.find((m) => m.name === status.pending[0]);
        if (!next) return status;
        await client.query('BEGIN');
        try {
          const id = randomUUID();
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
             VALUES ($1, $2, $3, now(), 0)`,
            [id, next.checksum, next.name],
          );
          // No parameters: pg uses the simple query protocol, which runs a multi-statement script.
          await client.query(next.sql);
          await client.query(
            `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
            [id],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${next.name} failed: ${(error as Error).message}`, { cause: error });
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Reads the migration status of a PostgreSQL database without changing it. */
export async function postgresMigrationStatus(databaseUrl: string, dir = migrationsDir('postgresql')): Promise<MigrationStatus> {
  const target = parsePostgresUrl(databaseUrl);
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    return computeStatus(readMigrations(dir), await readPostgresRows(client, target.schema));
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- status for a running server

/** Reads the migration status repeatedly (the health endpoint) over one kept connection or small pool. */
export interface MigrationStatusReader {
  read(): Promise<MigrationStatus>;
  close(): Promise<void>;
}

/** A status reader for an open store; the local migrations are read once (they do not change while running). */
export function openMigrationStatusReader(kind: DbKind, url: string, dir = migrationsDir(kind)): MigrationStatusReader {
  const local = readMigrations(dir);
  if (kind === 'sqlite') {
    const db = openSqliteAdmin(url);
    return {
      read: async () => computeStatus(local, await readSqliteRows(db)),
      close: async () => db.close(),
    };
  }
  const target = parsePostgresUrl(url);
  // One connection at most, dropped when idle, never keeping the process alive.
  const pool = new pg.Pool({ connectionString: target.connectionString, max: 1, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
  pool.on('error', () => undefined); // an idle connection dropped by the server: the next read reconnects
  return {
    read: async () => computeStatus(local, await readPostgresRows(pool, target.schema)),
    close: () => pool.end(),
  };
}
