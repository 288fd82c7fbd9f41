/**
 * A ConvLab cluster on loopback for the load test and the failover test: N node processes (`server/index.ts`, API and
 * Socket.io) on one PostgreSQL schema of their own and one Redis (keys under a prefix of their own), behind Debian's
 * nginx rendered from deploy/nginx/convlab.conf, and M compute worker processes (`npm run worker`) on the same Redis.
 * Everything listens on 127.0.0.1 only; `close()` removes it all.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { spawnServer, spawnWorker, type ServerProcess, type WorkerProcess } from '../../tests/integration/helpers/server-process';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = process.env.CONVLAB_NGINX ?? '/usr/sbin/nginx';

export interface ClusterOptions {
  nodes: number;
  /** Ports of the nodes (the proxy's upstream) and of the proxy. */
  nodePorts: number[];
  proxyPort: number;
  redisUrl: string;
  /** A PostgreSQL database; the cluster makes a schema of its own in it and drops it at the end. */
  pgUrl: string;
  /** Compute worker processes (default 1): the nodes' server jobs run on them. */
  workers?: number;
  /** Extra environment of every node and worker. */
  env?: Record<string, string>;
}

export interface Cluster {
  /** The proxy's URL (what students use). */
  url: string;
  /** Node i's own URL. */
  nodeUrl(i: number): string;
  /** Node i's process id (undefined while it is down). */
  pid(i: number): number | undefined;
  kill(i: number, signal: NodeJS.Signals): Promise<void>;
  start(i: number): Promise<void>;
  /** Node i's output so far. */
  output(i: number): string;
  /** Worker process j's process id (undefined while it is down). */
  workerPid(j: number): number | undefined;
  close(): Promise<void>;
}

/** deploy/nginx/convlab.conf with this cluster's nodes, port and checkout, inside a main config nginx can run unprivileged. */
export function renderNginxConfig(opts: { nodePorts: number[]; proxyPort: number; dir: string }): string {
  const upstream = /^(\s*)server 127\.0\.0\.1:\d+ (.*)$/;
  let first = true;
  // The file's example upstream servers become this cluster's nodes (same options).
  const lines = readFileSync(join(ROOT, 'deploy/nginx/convlab.conf'), 'utf8')
    .split('\n')
    .flatMap((line) => {
      const m = upstream.exec(line);
      if (!m) return [line];
      if (!first) return [];
      first = false;
      return opts.nodePorts.map((p) => `${m[1]}server 127.0.0.1:${p} ${m[2]}`);
    });
  const site = lines
    .join('\n')
    .replace('listen 80;', `listen 127.0.0.1:${opts.proxyPort};`)
    .replaceAll('/srv/convlab/', `${ROOT.replace(/\/$/, '')}/`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${opts.dir}/${t};`).join('\n');
  return [
    process.getuid?.() === 0 ? 'user root;' : '',
    'worker_processes 1;',
    `pid ${opts.dir}/nginx.pid;`,
    `error_log ${opts.dir}/error.log warn;`,
    'events { worker_connections 16384; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    '  access_log off;',
    temp,
    site,
    '}',
  ].join('\n');
}

/** Starts nginx on a rendered config; resolves once it listens. */
async function startNginx(conf: string, dir: string, port: number): Promise<ChildProcess> {
  writeFileSync(join(dir, 'nginx.conf'), conf);
  execFileSync(NGINX, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/api/health`).then(() => true, () => false);
    if (up) return child;
    if (Date.now() > deadline) throw new Error(`nginx did not start (see ${dir}/error.log)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the nodes (one after the other: the first applies the migrations) and the proxy. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-cluster-'));
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'data']) mkdirSync(join(dir, t));
  const schema = `cluster_${randomBytes(5).toString('hex')}`;
  const dbUrl = new URL(opts.pgUrl);
  dbUrl.searchParams.set('schema', schema);
  const prefix = `convlab-cluster:${schema}:`;
  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: opts.redisUrl,
    CONVLAB_REDIS_PREFIX: prefix,
    // The shared data directory of the nodes (uploaded images; the secret is given, as a deployment would).
    CONVLAB_DATA_DIR: join(dir, 'data'),
    CONVLAB_SECRET: randomBytes(24).toString('hex'),
    CONVLAB_TRUST_PROXY: '1',
    HOST: '127.0.0.1',
    CONVLAB_COMPUTE_WORKERS: '1',
    ...opts.env,
  };
  const nodes: (ServerProcess | undefined)[] = [];
  const outputs: string[] = [];
  const start = async (i: number) => {
    nodes[i] = await spawnServer({ ...env, PORT: String(opts.nodePorts[i]) });
  };
  const workers: WorkerProcess[] = [];
  const startWorker = async () => void workers.push(await spawnWorker(env));
  let nginx: ChildProcess | undefined;
  const close = async () => {
    nginx?.kill('SIGQUIT');
    await Promise.all(nodes.map((n) => n?.kill('SIGTERM')));
    for (const w of workers) w.child.kill('SIGKILL');
    const redis = new Redis(opts.redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    const client = new pg.Client({ connectionString: opts.pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < opts.nodes; i++) await start(i);
    await Promise.all(Array.from({ length: opts.workers ?? 1 }, startWorker));
    nginx = await startNginx(renderNginxConfig({ nodePorts: opts.nodePorts.slice(0, opts.nodes), proxyPort: opts.proxyPort, dir }), dir, opts.proxyPort);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return {
    url: `http://127.0.0.1:${opts.proxyPort}`,
    nodeUrl: (i) => `http://127.0.0.1:${opts.nodePorts[i]}`,
    pid: (i) => nodes[i]?.child.pid,
    kill: async (i, signal) => {
      const node = nodes[i];
      nodes[i] = undefined;
      await node?.kill(signal);
      // After it exited: what it said while shutting down is kept too.
      outputs[i] = (outputs[i] ?? '') + (node?.output() ?? '');
    },
    start,
    output: (i) => (outputs[i] ?? '') + (nodes[i]?.output() ?? ''),
    workerPid: (j) => workers[j]?.child.pid,
    close,
  };
}
