import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: undefined, databaseUrl: undefined, graceMs: 30_000, next: true, dev: true, trustProxy: 0 });
    expect(c.dataDir).toBe(resolve('./data'));
    expect(c.compute.backend).toBe('auto');
    expect(c.compute.workers).toBeGreaterThanOrEqual(1);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      CONVLAB_DATA_DIR: '/tmp/x',
      DATABASE_URL: 'postgresql://u@h:5432/db?schema=s',
      CONVLAB_SECRET: 's'.repeat(32),
      CONVLAB_PUBLIC_URL: 'https://convlab.example.org/',
      CONVLAB_GRACE_SECONDS: '2.5',
      CONVLAB_NO_NEXT: '1',
      CONVLAB_TRUST_PROXY: 'true',
      NODE_ENV: 'production',
      CONVLAB_COMPUTE_WORKERS: '3',
      CONVLAB_COMPUTE_BACKEND: 'wasm',
      CONVLAB_MODEL_UPLOAD_MB: '100',
      CONVLAB_BROWSER_MODEL_MAX_MB: '0.5',
    });
    expect(c).toEqual({
      port: 0,
      host: '127.0.0.1',
      dataDir: '/tmp/x',
      databaseUrl: 'postgresql://u@h:5432/db?schema=s',
      secret: 's'.repeat(32),
      publicUrl: 'https://convlab.example.org',
      graceMs: 2500,
      next: false,
      dev: false,
      trustProxy: 1,
      compute: { workers: 3, backend: 'wasm' },
      redis: undefined,
      quotas: { studentImageBytes: 20 * 1024 * 1024, sessionImageBytes: 1024 * 1024 * 1024, imageGraceMs: 24 * 3_600_000, connectionsPerAddress: 1000 },
      accounts: { adminEmail: undefined, rosterMaxRows: 5000, passwordLinkMs: 72 * 3_600_000, signupsPerAddressHour: 300 },
      models: { uploadMaxBytes: 100 * 1024 * 1024, browserMaxBytes: 512 * 1024 },
    });
  });

  it('reads the admin e-mail, the roster row limit and the set-password link lifetime', () => {
    const accounts = loadConfig({ CONVLAB_ADMIN_EMAIL: ' Root@Example.org ', CONVLAB_ROSTER_MAX_ROWS: '20', CONVLAB_PASSWORD_LINK_HOURS: '1' }).accounts;
    expect(accounts).toEqual({ adminEmail: 'root@example.org', rosterMaxRows: 20, passwordLinkMs: 3_600_000, signupsPerAddressHour: 300 });
    expect(loadConfig({ CONVLAB_SIGNUPS_PER_ADDRESS_HOUR: '1000' }).accounts.signupsPerAddressHour).toBe(1000);
    expect(() => loadConfig({ CONVLAB_SIGNUPS_PER_ADDRESS_HOUR: '0' })).toThrow(/CONVLAB_SIGNUPS_PER_ADDRESS_HOUR/);
    expect(() => loadConfig({ CONVLAB_ADMIN_EMAIL: 'nobody' })).toThrow(/CONVLAB_ADMIN_EMAIL/);
    expect(() => loadConfig({ CONVLAB_ROSTER_MAX_ROWS: '0' })).toThrow(/CONVLAB_ROSTER_MAX_ROWS/);
  });

  it('defaults uploaded models to 250 MB, and to 50 MB for computing in browsers', () => {
    expect(loadConfig({}).models).toEqual({ uploadMaxBytes: 250 * 1024 * 1024, browserMaxBytes: 50 * 1024 * 1024 });
    expect(() => loadConfig({ CONVLAB_MODEL_UPLOAD_MB: 'lots' })).toThrow(/CONVLAB_MODEL_UPLOAD_MB/);
  });

  it('reads CONVLAB_TRUST_PROXY as proxy hops (true/yes = 1)', () => {
    expect(loadConfig({ CONVLAB_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ CONVLAB_TRUST_PROXY: 'yes' }).trustProxy).toBe(1);
    expect(loadConfig({ CONVLAB_TRUST_PROXY: 'false' }).trustProxy).toBe(0);
    expect(() => loadConfig({ CONVLAB_TRUST_PROXY: 'maybe' })).toThrow(/CONVLAB_TRUST_PROXY/);
  });

  it('reads REDIS_URL with PostgreSQL and refuses it with SQLite', () => {
    const pg = 'postgresql://u@h:5432/db';
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/4', DATABASE_URL: pg }).redis).toEqual({ url: 'redis://127.0.0.1:6379/4', prefix: 'convlab:' });
    expect(loadConfig({ REDIS_URL: 'redis://r', DATABASE_URL: pg, CONVLAB_REDIS_PREFIX: 'x:' }).redis?.prefix).toBe('x:');
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL: needs a postgresql:\/\/ DATABASE_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://r', DATABASE_URL: 'file:/tmp/x.db' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'http://r', DATABASE_URL: pg })).toThrow(/REDIS_URL: must be a redis/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('fails fast with every bad variable named', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: '70000',
        DATABASE_URL: 'mysql://x',
        CONVLAB_SECRET: 'short',
        CONVLAB_PUBLIC_URL: 'ftp://x',
        CONVLAB_NO_NEXT: 'maybe',
        CONVLAB_COMPUTE_WORKERS: '1.5',
        CONVLAB_COMPUTE_BACKEND: 'webgl',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'CONVLAB_SECRET', 'CONVLAB_PUBLIC_URL', 'CONVLAB_NO_NEXT', 'CONVLAB_COMPUTE_WORKERS', 'CONVLAB_COMPUTE_BACKEND']) {
      expect(message).toContain(name);
    }
  });
});
