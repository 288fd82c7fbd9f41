/**
 * Prisma client construction: one client per store, on the driver adapter of its database. The two generated
 * clients (server/db/generated/{sqlite,postgresql}) come from schemas with identical models (checked by
 * schema-sync.test.ts), so the repositories are written once against the SQLite client's type.
 */
import type { PrismaClient as SqlitePrismaClient } from './generated/sqlite/client';
import { SQLITE_BUSY_TIMEOUT_MS, type PostgresTarget } from './migrate';

/** The Prisma client type the repositories use (both databases share it). */
export type Db = SqlitePrismaClient;

/** A client on a SQLite file through libsql (no native build needed). */
export async function createSqliteClient(url: string): Promise<Db> {
  const [{ PrismaClient }, { PrismaLibSql }] = await Promise.all([
    import('./generated/sqlite/client'),
    import('@prisma/adapter-libsql'),
  ]);
  return new PrismaClient({ adapter: new PrismaLibSql({ url, timeout: SQLITE_BUSY_TIMEOUT_MS }) });
}

/** A client on PostgreSQL through node-postgres; `target.schema` is the schema Prisma's queries address. */
export async function createPostgresClient(target: PostgresTarget, poolSize?: number): Promise<Db> {
  const [{ PrismaClient }, { PrismaPg }] = await Promise.all([
    import('./generated/postgresql/client'),
    import('@prisma/adapter-pg'),
  ]);
  const adapter = new PrismaPg(
    { connectionString: target.connectionString, ...(poolSize ? { max: poolSize } : {}) },
    { schema: target.schema },
  );
  // Same models, same queries: only the adapter and SQL dialect differ (see the header).
  return new PrismaClient({ adapter }) as unknown as Db;
}
