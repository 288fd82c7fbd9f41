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
  // Same models, same queries: only the adapter and SQL dialect differ (see the header). A class submitting at once
  // queues for the pool's connections: a transaction waits up to 15 s for one (Prisma's default, 2 s, refused a burst of
  // 500 submissions per node under load) — still within a client's ack timeout, and it answers INTERNAL after that.
  return new PrismaClient({ adapter, transactionOptions: { maxWait: 15_000, timeout: 20_000 } }) as unknown as Db;
}
