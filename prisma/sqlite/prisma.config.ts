// Prisma CLI configuration for ConvLab's SQLite database, for machines where the CLI's schema engine is
// available: `npx prisma migrate status --config prisma/sqlite/prisma.config.ts` (or `migrate deploy`).
// ConvLab itself applies these migrations at start-up (server/db/migrate.ts) and never needs the CLI.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineConfig } from 'prisma/config';

const dataDir = resolve(process.env.CONVLAB_DATA_DIR ?? 'data');

export default defineConfig({
  schema: resolve(import.meta.dirname, 'schema.prisma'),
  migrations: { path: resolve(import.meta.dirname, 'migrations') },
  datasource: {
    url: process.env.DATABASE_URL?.startsWith('file:') ? process.env.DATABASE_URL : pathToFileURL(resolve(dataDir, 'convlab.db')).href,
  },
});
