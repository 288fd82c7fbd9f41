/**
 * Server configuration from the environment, validated by zod at start-up so a bad value fails fast
 * with a message that names the variable.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { MODEL_UPLOAD } from '@convlab/protocol';
import { BACKEND_PREFERENCES, type BackendPreference } from './compute/backend-select';

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to listen on; all interfaces when unset (students join from other laptops). */
  HOST: z.string().trim().min(1).optional(),
  CONVLAB_DATA_DIR: z.string().trim().min(1).default('./data'),
  /** postgresql:// selects PostgreSQL; a file: URL or nothing selects SQLite (`<data dir>/convlab.db`). */
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^(postgres(ql)?:\/\/|file:)/i.test(v), 'must be a postgresql:// URL or a file: path'),
  /** Key for signing session cookies; generated and kept in the data dir when unset. */
  CONVLAB_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Public base URL (for join links and the Origin check), e.g. https://convlab.example.org. */
  CONVLAB_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s):// URL' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  CONVLAB_GRACE_SECONDS: z.coerce.number().min(0).max(86_400).default(30),
  /** Skip Next.js (integration tests, API-only runs). */
  CONVLAB_NO_NEXT: flag,
  /**
   * Reverse proxies in front of the server (hops) whose X-Forwarded-For / -Host / -Proto are trusted; the client's
   * address is the entry the outermost trusted proxy appended. `true`/`yes` mean 1, `false`/`no` 0.
   */
  CONVLAB_TRUST_PROXY: z
    .string()
    .trim()
    .transform((v) => ({ true: '1', yes: '1', false: '0', no: '0' })[v.toLowerCase()] ?? v)
    .pipe(z.coerce.number<string>().int('must be a number of proxy hops (0, 1, 2…)').min(0).max(16))
    .default(0),
  /** Students' stored images: MB per student and per session; unreferenced ones are collected after the grace hours. */
  CONVLAB_IMAGE_QUOTA_STUDENT_MB: z.coerce.number().positive().default(20),
  CONVLAB_IMAGE_QUOTA_SESSION_MB: z.coerce.number().positive().default(1024),
  CONVLAB_IMAGE_GC_GRACE_HOURS: z.coerce.number().min(0).default(24),
  /** Open Socket.io connections per client address (a lecture hall behind one NAT shares one). */
  CONVLAB_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int('must be a whole number').min(1).default(1000),
  /** Largest ONNX model an instructor may upload, and the largest one sent to laptops (bigger ones run on the server only). */
  CONVLAB_MODEL_UPLOAD_MB: z.coerce.number().positive().max(2000).default(MODEL_UPLOAD.defaultMaxMb),
  CONVLAB_BROWSER_MODEL_MAX_MB: z.coerce.number().min(0).default(MODEL_UPLOAD.defaultBrowserMaxMb),
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  /** Compute worker threads (each its own TensorFlow.js runtime); default: the CPU count. */
  CONVLAB_COMPUTE_WORKERS: z.coerce.number().int('must be a whole number').min(1).max(256).optional(),
  /** auto = tfjs-node(-gpu) when installed, else WebGPU on a hardware GPU adapter, else wasm (compute/backend-select.ts). */
  CONVLAB_COMPUTE_BACKEND: z.enum(BACKEND_PREFERENCES).default('auto'),
  /** The admin who approves instructors (besides the first account); made admin at sign-up or at start-up. */
  CONVLAB_ADMIN_EMAIL: z.string().trim().toLowerCase().pipe(z.email('must be an e-mail address')).optional(),
  /** Most students in one roster CSV import. */
  CONVLAB_ROSTER_MAX_ROWS: z.coerce.number().int('must be a whole number').min(1).max(100_000).default(5000),
  /** How long a set-password link works. */
  CONVLAB_PASSWORD_LINK_HOURS: z.coerce.number().positive().max(24 * 90).default(72),
  /** Sign-ups (instructors, and students with an enrolment code) per client address per hour: a lecture hall shares one NAT address. */
  CONVLAB_SIGNUPS_PER_ADDRESS_HOUR: z.coerce.number().int('must be a whole number').min(1).max(100_000).default(300),
  /** Several nodes share broadcasts, presence, limits and jobs through this Redis (PostgreSQL required). */
  REDIS_URL: z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || /^rediss?:\/\//i.test(v), 'must be a redis:// or rediss:// URL'),
  /** Prefix of every Redis key and channel ConvLab uses, so deployments (and tests) can share one Redis. */
  CONVLAB_REDIS_PREFIX: z.string().trim().min(1).max(64).default('convlab:'),
}).superRefine((e, ctx) => {
  // SQLite is one file on one machine: nodes on other machines cannot share it, so Redis without PostgreSQL is refused.
  if (e.REDIS_URL && !/^postgres(ql)?:\/\//i.test(e.DATABASE_URL ?? '')) {
    ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'needs a postgresql:// DATABASE_URL: several nodes cannot share the embedded SQLite database' });
  }
});

/** Backend preference of the compute workers. */
export type ComputeBackendPreference = BackendPreference;

export interface Config {
  port: number;
  host: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  secret: string | undefined;
  publicUrl: string | undefined;
  graceMs: number;
  next: boolean;
  /** Next.js in development mode (compiles on demand) unless NODE_ENV=production. */
  dev: boolean;
  /** Trusted reverse-proxy hops (0: none). */
  trustProxy: number;
  /** The compute service (started with the first job). */
  compute: { workers: number; backend: ComputeBackendPreference };
  /** Scale-out: the shared Redis and the prefix of ConvLab's keys there; undefined runs one embedded node. */
  redis: { url: string; prefix: string } | undefined;
  /** Storage quotas of students' images, their collection, and the per-address connection cap. */
  quotas: { studentImageBytes: number; sessionImageBytes: number; imageGraceMs: number; connectionsPerAddress: number };
  /** Accounts and courses: the admin's e-mail, the roster import's row limit, set-password links' lifetime. */
  accounts: { adminEmail: string | undefined; rosterMaxRows: number; passwordLinkMs: number; signupsPerAddressHour: number };
  /** Uploaded models: the upload limit, and the largest model browsers compute on (bigger: server only). */
  models: { uploadMaxBytes: number; browserMaxBytes: number };
}

/** Thrown for an invalid environment; its message lists every bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration from `env` (default: process.env). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.CONVLAB_DATA_DIR),
    databaseUrl: e.DATABASE_URL || undefined,
    secret: e.CONVLAB_SECRET,
    publicUrl: e.CONVLAB_PUBLIC_URL,
    graceMs: Math.round(e.CONVLAB_GRACE_SECONDS * 1000),
    next: !e.CONVLAB_NO_NEXT,
    dev: e.NODE_ENV !== 'production',
    trustProxy: e.CONVLAB_TRUST_PROXY,
    compute: { workers: e.CONVLAB_COMPUTE_WORKERS ?? Math.max(1, availableParallelism()), backend: e.CONVLAB_COMPUTE_BACKEND },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.CONVLAB_REDIS_PREFIX } : undefined,
    quotas: {
      studentImageBytes: Math.round(e.CONVLAB_IMAGE_QUOTA_STUDENT_MB * 1024 * 1024),
      sessionImageBytes: Math.round(e.CONVLAB_IMAGE_QUOTA_SESSION_MB * 1024 * 1024),
      imageGraceMs: Math.round(e.CONVLAB_IMAGE_GC_GRACE_HOURS * 3_600_000),
      connectionsPerAddress: e.CONVLAB_MAX_CONNECTIONS_PER_ADDRESS,
    },
    accounts: {
      adminEmail: e.CONVLAB_ADMIN_EMAIL,
      rosterMaxRows: e.CONVLAB_ROSTER_MAX_ROWS,
      passwordLinkMs: Math.round(e.CONVLAB_PASSWORD_LINK_HOURS * 3_600_000),
      signupsPerAddressHour: e.CONVLAB_SIGNUPS_PER_ADDRESS_HOUR,
    },
    models: {
      uploadMaxBytes: Math.round(e.CONVLAB_MODEL_UPLOAD_MB * 1024 * 1024),
      browserMaxBytes: Math.round(e.CONVLAB_BROWSER_MODEL_MAX_MB * 1024 * 1024),
    },
  };
}
