/** Types of prisma/sync-schemas.mjs (used by server/db/schema-sync.test.ts). */
export declare const sqliteSchemaPath: string;
export declare const postgresSchemaPath: string;
/** Derives the PostgreSQL schema text from the SQLite schema text. */
export declare function renderPostgresSchema(sqliteText: string): string;
