/**
 * Storage entry point for the server. `openStore` picks the database from the configuration, applies pending
 * migrations, and returns a ClassroomStore with one Prisma client behind it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClassroomStore, JobResultStore } from '@convlab/classroom';
import { createPostgresClient, createSqliteClient, type Db } from './client';
import {
  migratePostgres,
  migrateSqlite,
  openMigrationStatusReader,
  parsePostgresUrl,
  type DbKind,
  type MigrationStatus,
} from './migrate';
import type { ImageUsageStore } from './image-usage.repository';
import type { InstructorSessionStore } from './instructor-session.repository';
import type { LtiRepository } from './lti.repository';
import type { UploadedModelStore } from './uploaded-model.repository';
import type { LessonRepository } from './lesson.repository';
import { PrismaClassroomStore } from './prisma-store';
import type { AccountRepository } from './account.repository';
import type { AssignmentRepository } from './assignment.repository';
import type { CourseRepository } from './course.repository';

export type { DbKind, MigrationStatus } from './migrate';
export { PrismaClassroomStore } from './prisma-store';
export { JobResultRepository } from './job-result.repository';
export type { InstructorSessionDTO, InstructorSessionStore } from './instructor-session.repository';
export type { ImageUsageStore } from './image-usage.repository';
export * from './lti.repository';
export { AccountRepository, toAccount, type AccountRecord, type NewAccount } from './account.repository';
export { AssignmentRepository, AttemptsUsedError, type AssignmentRecord } from './assignment.repository';
export { CourseRepository, EnrolCodeTakenError, type CourseRecord, type MembershipRecord, type RosterRow, type RosterOutcome } from './course.repository';
export type { ModelUses, UploadedModelDTO, UploadedModelStore } from './uploaded-model.repository';
export { LessonRepository, type LessonRecord } from './lesson.repository';

export interface OpenStoreOptions {
  /**
   * `DATABASE_URL`. A `postgresql://` or `postgres://` URL selects PostgreSQL (`?schema=name` selects a schema,
   * as with Prisma); a `file:` URL selects that SQLite file; empty or undefined means SQLite at
   * `<dataDir>/convlab.db`.
   */
  databaseUrl?: string;
  /** `CONVLAB_DATA_DIR`: where the default SQLite file lives; created when missing. */
  dataDir: string;
  /** PostgreSQL connection pool size (node-postgres default: 10). */
  poolSize?: number;
}

export interface OpenedStore {
  store: ClassroomStore;
  /** Compute results kept across restarts (the compute service's persistent cache), on the same connection. */
  jobResults: JobResultStore;
  /** Instructors' signed-in sessions, on the same connection. */
  instructorSessions: InstructorSessionStore;
  /** Students' image usage (quotas) and unreferenced images (garbage collection), on the same connection. */
  imageUsage: ImageUsageStore;
  /** LTI 1.3 storage, on the same connection. */
  lti: LtiRepository;
  /** Accounts (instructors and students) and set-password tokens, on the same connection. */
  accounts: AccountRepository;
  /** Courses, members, rosters, on the same connection. */
  courses: CourseRepository;
  /** Assignments, submissions and grades, on the same connection. */
  assignments: AssignmentRepository;
  /** Uploaded models' catalog rows, on the same connection. */
  uploadedModels: UploadedModelStore;
  /** Instructors' lesson libraries, on the same connection. */
  lessons: LessonRepository;
  kind: DbKind;
  /** Where the data is, for logs: the SQLite file path, or the PostgreSQL URL without its password. */
  location: string;
  /** Reads `_prisma_migrations` again (for the health endpoint). */
  migrationStatus(): Promise<MigrationStatus>;
  /** Closes the store's connections; same as `store.close()`. */
  close(): Promise<void>;
}

/** Which database a configuration selects, with the URL to use (throws a clear error on a bad URL). */
export function resolveDatabase(options: OpenStoreOptions): { kind: DbKind; url: string; location: string } {
  const raw = options.databaseUrl?.trim();
  if (!raw) {
    if (!options.dataDir) throw new Error('openStore: dataDir is required when no database URL is given');
    const file = resolve(options.dataDir, 'convlab.db');
    return { kind: 'sqlite', url: pathToFileURL(file).href, location: file };
  }
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    parsePostgresUrl(raw); // validates
    const safe = new URL(raw);
    if (safe.password) safe.password = '***';
    return { kind: 'postgresql', url: raw, location: safe.toString() };
  }
  if (raw.startsWith('file:')) {
    const file = raw.startsWith('file://') ? fileURLToPath(raw) : resolve(raw.slice('file:'.length));
    return { kind: 'sqlite', url: pathToFileURL(file).href, location: file };
  }
  throw new Error(
    `DATABASE_URL must be a postgresql:// (or postgres://) URL or a file: path to a SQLite database; got "${raw.split(':')[0]}:…"`,
  );
}

/**
 * Opens ConvLab's storage: SQLite (default, `<dataDir>/convlab.db`, through libsql) or PostgreSQL (when
 * `databaseUrl` is a postgresql:// URL). Pending migrations are applied first (safe when several processes
 * start at once); a failing migration rejects the promise. Call `close()` on shutdown.
 */
export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  const { kind, url, location } = resolveDatabase(options);
  if (kind === 'sqlite') {
    mkdirSync(dirname(location), { recursive: true });
    await migrateSqlite(url);
  } else {
    await migratePostgres(url);
  }
  const status = openMigrationStatusReader(kind, url);
  let db: Db;
  try {
    db = kind === 'sqlite' ? await createSqliteClient(url) : await createPostgresClient(parsePostgresUrl(url), options.poolSize);
  } catch (error) {
    await status.close();
    throw error;
  }
  const store = new PrismaClassroomStore(db, () => status.close());
  const { jobResults, instructorSessions, imageUsage, lessons, accounts, courses, assignments, uploadedModels, lti } = store;
  return {
    store,
    jobResults,
    instructorSessions,
    imageUsage,
    lessons,
    accounts,
    courses,
    assignments,
    uploadedModels,
    lti,
    kind,
    location,
    migrationStatus: () => status.read(),
    close: () => store.close(),
  };
}
