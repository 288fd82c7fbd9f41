/**
 * The databases every integration suite runs on: SQLite always (a file in a fresh temp dir), PostgreSQL
 * when CONVLAB_TEST_PG_URL is set (a fresh schema per test file, dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Every test server's admin (CONVLAB_ADMIN_EMAIL); clients.ts signs it up to approve instructors. */
export const TEST_ADMIN_EMAIL = 'admin@convlab.test';

export interface TestDatabase {
  kind: 'sqlite' | 'postgresql';
  /** Environment for the server: CONVLAB_DATA_DIR and, for PostgreSQL, DATABASE_URL. */
  env: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

export interface DatabaseTarget {
  kind: 'sqlite' | 'postgresql';
  create(): Promise<TestDatabase>;
}

/** SQLite always; PostgreSQL too when CONVLAB_TEST_PG_URL is set. */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ kind: 'sqlite', create: createSqlite }];
  const pgUrl = process.env.CONVLAB_TEST_PG_URL;
  if (pgUrl) targets.push({ kind: 'postgresql', create: () => createPostgres(pgUrl) });
  return targets;
}

async function createSqlite(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-it-'));
  return {
    kind: 'sqlite',
    dataDir,
    env: { CONVLAB_DATA_DIR: dataDir, CONVLAB_ADMIN_EMAIL: TEST_ADMIN_EMAIL },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

async function createPostgres(baseUrl: string): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convlab-it-pg-'));
  const schema = `it_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    kind: 'postgresql',
    dataDir,
    env: { CONVLAB_DATA_DIR: dataDir, DATABASE_URL: url.toString(), CONVLAB_ADMIN_EMAIL: TEST_ADMIN_EMAIL },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Deletes every Redis key a suite wrote under its own prefix. */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
