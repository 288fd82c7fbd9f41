/**
 * The executor in headless Chromium on WebGL (software, SwiftShader): MobileNet v1 0.25 loaded over HTTP with the
 * browser reader; forward output, a tap and the input gradients in all three ReLU modes must match the cpu backend;
 * max pooling routes gradients to each window's first maximum in every mode; the imported squeezenet1_1.onnx
 * reproduces PyTorch's reference output to 1e-4 on webgl.
 * Skips where Chromium or the shared models are missing, or with CONVLAB_SKIP_BROWSER=1.
 */
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultModelsDir, pathExists } from './node';
import { TIE_EXPECTED } from './testing/max-pool-ties';
import type { ReluMode } from './executor.types';

const CHROMIUM = process.env.CONVLAB_CHROMIUM ?? '/usr/bin/chromium';
const modelsDir = defaultModelsDir();
const skip = process.env.CONVLAB_SKIP_BROWSER === '1' || !pathExists(CHROMIUM) || !pathExists(path.join(modelsDir, 'mobilenet_v1_0.25_224'));

interface PageResult {
  error?: string;
  logits: number;
  tap: number;
  grads: Record<string, number>;
  leftover: number[];
  ties: Record<'standalone' | 'fused', Record<ReluMode, number[]>>;
  /** squeezenet1_1.onnx on webgl against PyTorch, per row (null without the ONNX reference models). */
  onnx: number[] | null;
}

describe.skipIf(skip)('executor on WebGL in headless Chromium', () => {
  it('matches the cpu backend (forward, tap, three gradient modes) without leaking tensors', async () => {
    const { build } = await import('esbuild');
    const { chromium } = await import('@playwright/test');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convlab-webgl-'));
    const here = path.dirname(fileURLToPath(import.meta.url));
    await build({ entryPoints: [path.join(here, 'testing/webgl-page.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: path.join(dir, 'page.js'), logLevel: 'error' });
    const server = http.createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/') {
        res.setHeader('content-type', 'text/html');
        res.end('<!doctype html><script type="module" src="/page.js"></script>');
        return;
      }
      // Only the bundle and files under the models folder are served.
      const file = url.pathname === '/page.js' ? path.join(dir, 'page.js') : path.resolve(modelsDir, '.' + decodeURIComponent(url.pathname.replace(/^\/models/, '')));
      try {
        if (url.pathname !== '/page.js' && (!url.pathname.startsWith('/models/') || !file.startsWith(path.resolve(modelsDir) + path.sep))) throw new Error('not served');
        const body = await readFile(file);
        res.setHeader('content-type', file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result, null, { timeout: 240_000, polling: 500 });
      const r = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as PageResult;
      expect(r.error).toBeUndefined();
      expect(r.logits).toBeLessThan(1e-4);
      expect(r.tap).toBeLessThan(1e-4);
      for (const mode of ['standard', 'guided', 'deconvnet']) expect(r.grads[mode], mode).toBeLessThan(1e-3);
      expect(r.leftover).toEqual([0, 0]);
      // An imported ONNX model on webgl reproduces PyTorch's output as on wasm and cpu.
      if (pathExists(path.join(modelsDir, 'onnx', 'squeezenet1_1.onnx'))) {
        expect(r.onnx).toHaveLength(2);
        for (const e of r.onnx!) expect(e).toBeLessThan(1e-4);
      }
      // Max pooling sends each window's gradient to its first maximum on webgl too (positive ties, overlapping windows).
      for (const variant of ['standalone', 'fused'] as const) {
        for (const mode of ['standard', 'guided', 'deconvnet'] as ReluMode[]) expect(r.ties[variant][mode], `${variant} ${mode}`).toEqual(TIE_EXPECTED[mode]);
      }
    } finally {
      await browser.close();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
