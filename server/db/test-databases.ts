/**
 * Throw-away databases for the db tests: a SQLite file in a fresh temp dir, or a freshly created PostgreSQL
 * schema (dropped afterwards) on the server named by CONVLAB_TEST_PG_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** PostgreSQL for tests, e.g. postgresql://postgres@127.0.0.1:5432/test; unset means the PostgreSQL tests are skipped. */
export const TEST_PG_URL = process.env.CONVLAB_TEST_PG_URL?.trim() || undefined;

export interface TestDatabase {
  /** What to pass to openStore. */
  databaseUrl?: string;
  dataDir: string;
  /** The PostgreSQL schema (postgresql only). */
  schema?: string;
  drop(): Promise<void>;
}

/** A fresh temp dir for SQLite (`<dir>/convlab.db` once opened). */
export function freshSqlite(): TestDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-db-test-'));
  return { dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
}

let counter = 0;

/** A URL that points Prisma and the migration runner at a brand-new schema; `drop()` removes it. */
export async function freshPostgres(): Promise<TestDatabase> {
  if (!TEST_PG_URL) throw new Error('CONVLAB_TEST_PG_URL is not set');
  counter += 1;
  const schema = `convlab_test_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.searchParams.set('schema', schema);
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-db-test-'));
  return {
    databaseUrl: url.toString(),
    dataDir,
    schema,
    drop: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
