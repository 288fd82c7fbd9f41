// Prisma CLI configuration for ConvLab on PostgreSQL, for machines where the CLI's schema engine is available:
// `DATABASE_URL=postgresql://… npx prisma migrate status --config prisma/postgresql/prisma.config.ts`.
// ConvLab itself applies these migrations at start-up (server/db/migrate.ts) and never needs the CLI.
import { resolve } from 'node:path';
import { defineConfig, env } from 'prisma/config';

export default defineConfig({
  schema: resolve(import.meta.dirname, 'schema.prisma'),
  migrations: { path: resolve(import.meta.dirname, 'migrations') },
  datasource: { url: env('DATABASE_URL') },
});
