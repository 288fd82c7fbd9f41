/**
 * Benchmarks in headless Chromium (Debian's /usr/bin/chromium through Playwright, never a downloaded browser):
 * bundles browser-entry.ts with esbuild, serves it with the model files (the store's HTTP handler, the same one the
 * app's server mounts) and the tfjs wasm binaries from a local HTTP server, and runs it on webgl and wasm — the model
 * suite, or with `vis` the visualization suite (vis-bench-core's `benchVisModel`, the same code as the Node rows).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from '@playwright/test';
import { createModelFilesHandler } from '@convlab/nets/node';
import type { BenchBudget } from './bench-core';
import type { PageRequest, PageResult, PageVisOptions } from './browser-entry';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const WASM_DIR = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

/** Chromium's executable: $CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string | null {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

/** Flags that keep a headless Chromium quiet and offline; SwiftShader gives WebGL2 without a GPU. */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--ignore-gpu-blocklist',
];

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(here, 'browser-entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    mainFields: ['browser', 'module', 'main'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

async function startServer(script: string): Promise<{ server: Server; url: string }> {
  const models = createModelFilesHandler();
  const page = '<!doctype html><meta charset="utf-8"><title>convlab bench</title><script type="module" src="/bench.js"></script>';
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(page);
      } else if (url.pathname === '/favicon.ico') {
        res.writeHead(204);
        res.end();
      } else if (url.pathname === '/bench.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
        res.end(script);
      } else if (url.pathname.startsWith('/tfjs-wasm/') && /^[\w.-]+\.wasm$/.test(path.basename(url.pathname))) {
        try {
          const bytes = await readFile(path.join(WASM_DIR, path.basename(url.pathname)));
          res.writeHead(200, { 'Content-Type': 'application/wasm' });
          res.end(bytes);
        } catch {
          res.writeHead(404);
          res.end();
        }
      } else if (!(await models(req, res))) {
        res.writeHead(404);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/**
 * Runs the page on each backend; a backend that fails gives an entry with its error instead of results. With `vis`
 * (the work per model on each backend) the page runs the vis suite instead of the model suite.
 */
export async function benchChromium(
  backends: Array<'webgl' | 'wasm'>,
  models: string[],
  budget: BenchBudget,
  log: (s: string) => void,
  vis?: (backend: 'webgl' | 'wasm') => PageVisOptions,
): Promise<{ browser: string; results: PageResult[] }> {
  const exe = chromiumPath();
  if (!exe) throw new Error('no Chromium at /usr/bin/chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
  const script = await bundle();
  const { server, url } = await startServer(script);
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS, headless: true });
    const results: PageResult[] = [];
    for (const backend of backends) {
      // A fresh context per backend: no shared GPU state, but the same HTTP cache semantics as a student's laptop.
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'info') log(`chromium-${backend}: ${m.text()}`);
      });
      try {
        await page.goto(url);
        await page.waitForFunction(() => (globalThis as unknown as { benchReady?: boolean }).benchReady === true, undefined, { timeout: 60_000 });
        const req: PageRequest = { backend, models, budget, matmulSize: 1024, vis: vis?.(backend) };
        const r = await page.evaluate(
          (q) => (globalThis as unknown as { runBench: (q: PageRequest) => Promise<PageResult> }).runBench(q),
          req,
        );
        log(`chromium-${backend} (${r.info}): matmul ${r.matmulGflops.toFixed(1)} GFLOP/s, ${r.models.length + r.vis.length} models${r.errors.length ? `, errors: ${r.errors.join('; ')}` : ''}`);
        results.push(r);
      } catch (e) {
        log(`chromium-${backend} FAILED: ${(e as Error).message.split('\n')[0]}`);
        results.push({ backend, info: 'failed', matmulGflops: NaN, models: [], vis: [], errors: [(e as Error).message.split('\n')[0]] });
      } finally {
        await context.close();
      }
    }
    return { browser: `${browser.browserType().name()} ${browser.version()}`, results };
  } finally {
    await browser?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
